using System.Security.Cryptography;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Registry.Store;
using LayerCache.Store;
using LayerCache.Testing;

namespace LayerCache.Server.Tests;

/// <summary>
/// <c>--cache registry://</c> over <c>layercache serve</c> behind a fault proxy that breaks an upload
/// request after part of its body reached the server: the store asks the session's status and sends the
/// rest of the chunk, and the blob the server makes visible is the whole, verified content.
/// </summary>
public sealed class ResumedUploadTests : IDisposable
{
    private const int Chunk = 256 * 1024;

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Theory]
    [InlineData(1, 100_000)]
    [InlineData(3, 4097)]
    public async Task An_upload_broken_mid_chunk_continues_from_the_servers_offset(int cuts, long cutAfter)
    {
        await using var server = await TestServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Server.Address);
        var notes = new List<string>();
        using var store = await RegistryCacheStore.OpenAsync(
            new RegistryCacheStoreOptions
            {
                Client = new RegistryClientOptions
                {
                    Registry = proxy.Address,
                    MaxRetries = 3,
                    RetryDelay = TimeSpan.FromMilliseconds(20),
                    ChunkSize = Chunk,
                    OnRetry = note => { lock (notes) { notes.Add(note); } },
                },
                Repository = "acme/resume",
            },
            Ct);
        var content = RandomNumberGenerator.GetBytes((4 * Chunk) + 321);
        var digest = Digest.Compute(content);

        await using var upload = await store.Blobs.BeginUploadAsync(digest, content.Length, Ct);
        proxy.CutAfterBytes = cutAfter;
        proxy.CutUploadBodies(cuts);
        await upload.WriteAsync(new MemoryStream(content), Ct);
        var info = await upload.CommitAsync(Ct);

        Assert.Equal((digest, (long)content.Length, false), (info.Digest, info.Size, info.Existed));
        Assert.Equal(cuts, notes.Count(n => n.Contains("continuing the upload", StringComparison.Ordinal)));
        Assert.Equal(cuts, proxy.Requests.Count(r => r.Method == "GET" && r.PathAndQuery.Contains("/blobs/uploads/", StringComparison.Ordinal)));
        await using var read = await store.Blobs.OpenReadAsync(digest, Ct);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);
        Assert.Equal(content, copy.ToArray());
    }
}
