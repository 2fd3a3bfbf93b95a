using System.Security.Cryptography;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Registry.Store;
using LayerCache.Store;
using LayerCache.Testing;

namespace LayerCache.Registry.Tests;

/// <summary>
/// The registry store's uploads against a real Distribution registry behind a fault proxy: a chunk whose
/// request failed is continued from the offset the registry reports, so one refused or broken request
/// does not lose a big layer; where the registry cannot continue a session, a typed error and nothing
/// at the digest.
/// </summary>
public sealed class UploadResumeTests(PrivateRegistry registry) : IClassFixture<PrivateRegistry>
{
    private const int Chunk = 256 * 1024;

    private static CancellationToken Token => TestContext.Token;

    private static Task<RegistryCacheStore> OpenAsync(string address, string repository, List<string> notes) =>
        RegistryCacheStore.OpenAsync(
            new RegistryCacheStoreOptions
            {
                Client = new RegistryClientOptions
                {
                    Registry = address,
                    MaxRetries = 3,
                    RetryDelay = TimeSpan.FromMilliseconds(20),
                    ChunkSize = Chunk,
                    OnRetry = note => { lock (notes) { notes.Add(note); } },
                },
                Repository = repository,
            },
            Token);

    [Theory]
    [InlineData(503, 1)]
    [InlineData(429, 2)]
    public async Task Chunks_refused_mid_upload_are_sent_again_and_the_blob_is_whole(int status, int refusals)
    {
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        var repository = RegistryStoreFixture.NewRepository("resume");
        var notes = new List<string>();
        using var store = await OpenAsync(proxy.Address, repository, notes);
        var content = RandomNumberGenerator.GetBytes((4 * Chunk) + 123);
        var digest = Digest.Compute(content);

        await using var upload = await store.Blobs.BeginUploadAsync(digest, content.Length, Token);
        proxy.FailOnlyMethod = "PATCH";
        proxy.FailNext(refusals, (System.Net.HttpStatusCode)status);
        await upload.WriteAsync(new MemoryStream(content), Token);
        var info = await upload.CommitAsync(Token);

        Assert.Equal((digest, (long)content.Length, false), (info.Digest, info.Size, info.Existed));
        Assert.Contains(proxy.Requests, r => r.Method == "GET" && r.PathAndQuery.Contains("/blobs/uploads/", StringComparison.Ordinal));
        Assert.Equal(refusals, notes.Count(n => n.Contains("continuing the upload", StringComparison.Ordinal)));
        using var direct = new RegistryClient(new RegistryClientOptions { Registry = registry.Address });
        await using var blob = await direct.OpenBlobAsync(repository, digest, content.Length, Token);
        var copy = new MemoryStream();
        await blob.CopyToAsync(copy, Token);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task A_chunk_refused_more_often_than_the_retry_bound_fails_typed_and_leaves_nothing()
    {
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        var repository = RegistryStoreFixture.NewRepository("resume");
        var notes = new List<string>();
        using var store = await OpenAsync(proxy.Address, repository, notes);
        var content = RandomNumberGenerator.GetBytes(2 * Chunk);
        var digest = Digest.Compute(content);

        await using var upload = await store.Blobs.BeginUploadAsync(digest, content.Length, Token);
        proxy.FailOnlyMethod = "PATCH";
        proxy.FailNext(100, System.Net.HttpStatusCode.ServiceUnavailable);
        var error = await Assert.ThrowsAsync<StoreException>(() => upload.WriteAsync(new MemoryStream(content), Token));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Equal(3, notes.Count(n => n.Contains("continuing the upload", StringComparison.Ordinal)));
        Assert.Null(await store.Blobs.TryGetSizeAsync(digest, Token));
    }

    [Fact]
    public async Task A_chunk_Distribution_kept_part_of_cannot_be_continued_there_so_the_upload_fails_typed_and_leaves_nothing()
    {
        // Distribution names an upload's offset in a signed state token in its Location and cancels a
        // session asked about with a token whose offset is no longer the upload's size, which a request
        // broken mid-body leaves behind. So the store cannot continue it there (layercache serve can:
        // LayerCache.Server.Tests' ResumedUploadTests) and fails as it did before resuming existed.
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        var repository = RegistryStoreFixture.NewRepository("resume");
        var notes = new List<string>();
        using var store = await OpenAsync(proxy.Address, repository, notes);
        var content = RandomNumberGenerator.GetBytes((3 * Chunk) + 7);
        var digest = Digest.Compute(content);

        await using var upload = await store.Blobs.BeginUploadAsync(digest, content.Length, Token);
        proxy.CutAfterBytes = 100_000;
        proxy.CutUploadBodies(1);
        var error = await Assert.ThrowsAsync<StoreException>(() => upload.WriteAsync(new MemoryStream(content), Token));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Null(await store.Blobs.TryGetSizeAsync(digest, Token));
    }

    [Theory]
    [InlineData("0-0", 0L)]
    [InlineData("0-99", 100L)]
    [InlineData("0-1048575", 1048576L)]
    public void The_upload_range_is_the_bytes_held(string header, long held)
    {
        Assert.True(RegistryClient.TryParseUploadRange(header, out var parsed));
        Assert.Equal(held, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bytes=0-9")]
    [InlineData("1-9")]
    [InlineData("0-")]
    [InlineData("0--1")]
    [InlineData("0-x")]
    public void A_malformed_upload_range_is_refused(string? header)
    {
        Assert.False(RegistryClient.TryParseUploadRange(header, out _));
    }
}
