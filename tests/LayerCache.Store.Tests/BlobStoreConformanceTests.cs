using System.Security.Cryptography;
using LayerCache.Oci;
using LayerCache.Testing;

namespace LayerCache.Store.Tests;

/// <summary>
/// Behaviour every <see cref="IBlobStore"/> must have. One subclass per implementation supplies the
/// store and a way to damage a stored blob behind the store's back.
/// </summary>
public abstract class BlobStoreConformanceTests : IAsyncLifetime, IDisposable
{
    // A hung lock or stream fails the test instead of the whole run.
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private IBlobStore? _store;

    protected IBlobStore Store => _store ?? throw new InvalidOperationException("not initialized");

    protected CancellationToken Ct => _timeout.Token;

    /// <summary>A fresh, empty store.</summary>
    protected abstract Task<IBlobStore> CreateStoreAsync();

    /// <summary>Changes the stored bytes of a blob without changing its length.</summary>
    protected abstract Task CorruptAsync(Digest digest);

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the backing store; overrides call the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timeout.Dispose();
        }
    }

    [Fact]
    public async Task Write_then_read_round_trips()
    {
        var content = TestImages.Layer("round-trip");
        var written = await WriteAsync(content, expected: null);

        Assert.Equal(Digest.Compute(content), written.Digest);
        Assert.Equal(content.Length, written.Size);
        Assert.True(await Store.ExistsAsync(written.Digest, Ct));
        Assert.Equal(content.Length, await Store.TryGetSizeAsync(written.Digest, Ct));
        Assert.Equal(content, await ReadAllAsync(written.Digest));
    }

    [Fact]
    public async Task Write_with_expected_digest_and_size_succeeds()
    {
        var content = TestImages.Layer("expected");
        var written = await WriteAsync(content, Digest.Compute(content), content.Length);
        Assert.Equal(Digest.Compute(content), written.Digest);
    }

    [Fact]
    public async Task Write_is_idempotent()
    {
        var content = TestImages.Layer("twice");
        var first = await WriteAsync(content, Digest.Compute(content));
        var second = await WriteAsync(content, Digest.Compute(content));

        Assert.Equal((first.Digest, first.Size), (second.Digest, second.Size));
        Assert.False(first.Existed);
        Assert.True(second.Existed, "a second write of a blob must say that nothing new was written");
        Assert.Single(await ListAsync());
        Assert.Equal(content, await ReadAllAsync(first.Digest));
    }

    [Fact]
    public async Task Write_of_unknown_digest_reports_a_blob_the_store_already_has()
    {
        // A docker save layer tar arrives without its digest: it is hashed, then found to be stored.
        var content = TestImages.Layer("anonymous");
        var first = await Store.WriteAsync(new MemoryStream(content), null, null, Ct);
        var second = await Store.WriteAsync(new MemoryStream(content), null, content.Length, Ct);

        Assert.False(first.Existed);
        Assert.True(second.Existed);
        Assert.Equal(first.Digest, second.Digest);
        Assert.Single(await ListAsync());
        Assert.Equal(content, await ReadAllAsync(first.Digest));
    }

    [Fact]
    public async Task Concurrent_writes_of_one_blob_all_succeed()
    {
        var content = RandomNumberGenerator.GetBytes(256 * 1024);
        var digest = Digest.Compute(content);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => WriteAsync(content, digest))));

        Assert.All(results, r => Assert.Equal(digest, r.Digest));
        Assert.Single(await ListAsync());
        Assert.Equal(content, await ReadAllAsync(digest));
    }

    [Fact]
    public async Task Wrong_expected_digest_is_a_typed_error_and_stores_nothing()
    {
        var content = TestImages.Layer("wrong");
        var claimed = Digest.Compute("something else"u8);

        var e = await Assert.ThrowsAnyAsync<ContentVerificationException>(() => WriteAsync(content, claimed));

        Assert.Contains(claimed.Value, e.Message, StringComparison.Ordinal);
        Assert.False(await Store.ExistsAsync(claimed, Ct));
        Assert.False(await Store.ExistsAsync(Digest.Compute(content), Ct));
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task Wrong_expected_size_is_a_typed_error_and_stores_nothing()
    {
        var content = TestImages.Layer("short");

        await Assert.ThrowsAnyAsync<ContentVerificationException>(() => WriteAsync(content, Digest.Compute(content), content.Length + 1));

        Assert.False(await Store.ExistsAsync(Digest.Compute(content), Ct));
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task Missing_blob_is_reported_by_every_method()
    {
        var digest = Digest.Compute("absent"u8);

        Assert.False(await Store.ExistsAsync(digest, Ct));
        Assert.Null(await Store.TryGetSizeAsync(digest, Ct));
        Assert.False(await Store.DeleteAsync(digest, Ct));
        var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(digest, Ct));
        Assert.Equal(digest, e.Digest);
        Assert.Contains(digest.Value, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Corrupted_blob_fails_verification_on_read_naming_the_digest()
    {
        var content = TestImages.Layer("corrupt-me");
        var written = await WriteAsync(content, expected: null);
        await CorruptAsync(written.Digest);

        var e = await Assert.ThrowsAnyAsync<ContentVerificationException>(() => ReadAllAsync(written.Digest));
        Assert.Contains(written.Digest.Value, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_removes_the_blob()
    {
        var written = await WriteAsync(TestImages.Layer("delete"), expected: null);

        Assert.True(await Store.DeleteAsync(written.Digest, Ct));
        Assert.False(await Store.ExistsAsync(written.Digest, Ct));
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task List_returns_every_blob_with_its_size()
    {
        var a = await WriteAsync(TestImages.Layer("a"), expected: null);
        var b = await WriteAsync(RandomNumberGenerator.GetBytes(12345), expected: null);

        var listed = await ListAsync();

        Assert.Equal(new[] { a, b }.OrderBy(x => x.Digest), listed.OrderBy(x => x.Digest));
    }

    [Fact]
    public async Task Large_non_seekable_stream_is_written_and_read_back()
    {
        const int size = 24 * 1024 * 1024;
        var hash = Digest.CreateHash(DigestAlgorithm.Sha256);
        await using (var source = new PatternStream(size))
        {
            var buffer = new byte[65536];
            int read;
            while ((read = await source.ReadAsync(buffer, Ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        var expected = Digest.FromHash(DigestAlgorithm.Sha256, hash.GetHashAndReset());
        await using (var source = new PatternStream(size))
        {
            var written = await Store.WriteAsync(source, expected, size, Ct);
            Assert.Equal(new BlobInfo(expected, size), written);
        }

        await using var stream = await Store.OpenReadAsync(expected, Ct);
        Assert.Equal(expected, await Digest.ComputeAsync(stream, Ct));
    }

    protected async Task<BlobInfo> WriteAsync(byte[] content, Digest? expected, long? expectedSize = null)
    {
        using var stream = new MemoryStream(content, writable: false);
        return await Store.WriteAsync(stream, expected, expectedSize, Ct);
    }

    protected async Task<byte[]> ReadAllAsync(Digest digest)
    {
        await using var stream = await Store.OpenReadAsync(digest, Ct);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }

    protected async Task<List<BlobInfo>> ListAsync()
    {
        var list = new List<BlobInfo>();
        await foreach (var blob in Store.ListAsync(Ct))
        {
            list.Add(blob);
        }

        return list;
    }
}
