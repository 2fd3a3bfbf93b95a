using System.Security.Cryptography;
using LayerCache.Oci;
using LayerCache.Testing;

namespace LayerCache.Store.Conformance;

/// <summary>
/// Behaviour every <see cref="IBlobStore"/> must have. One subclass per implementation supplies the
/// store and a way to damage a stored blob behind the store's back.
/// </summary>
public abstract class BlobStoreConformance : IAsyncLifetime, IDisposable
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

    [SkippableFact]
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

    [SkippableFact]
    public async Task Write_with_expected_digest_and_size_succeeds()
    {
        var content = TestImages.Layer("expected");
        var written = await WriteAsync(content, Digest.Compute(content), content.Length);
        Assert.Equal(Digest.Compute(content), written.Digest);
    }

    [SkippableFact]
    public async Task Write_is_idempotent()
    {
        var content = TestImages.Layer("twice");
        var first = await WriteAsync(content, Digest.Compute(content));
        var second = await WriteAsync(content, Digest.Compute(content));

        Assert.Equal((first.Digest, first.Size), (second.Digest, second.Size));
        Assert.False(first.Existed);
        Assert.True(second.Existed, "a second write of a blob must say that nothing new was written");
        await AssertStoredCountAsync(1);
        Assert.Equal(content, await ReadAllAsync(first.Digest));
    }

    [SkippableFact]
    public async Task Write_of_unknown_digest_reports_a_blob_the_store_already_has()
    {
        // A docker save layer tar arrives without its digest: it is hashed, then found to be stored.
        var content = TestImages.Layer("anonymous");
        var first = await Store.WriteAsync(new MemoryStream(content), null, null, Ct);
        var second = await Store.WriteAsync(new MemoryStream(content), null, content.Length, Ct);

        Assert.False(first.Existed);
        Assert.True(second.Existed);
        Assert.Equal(first.Digest, second.Digest);
        await AssertStoredCountAsync(1);
        Assert.Equal(content, await ReadAllAsync(first.Digest));
    }

    [SkippableFact]
    public async Task Concurrent_writes_of_one_blob_all_succeed()
    {
        var content = RandomNumberGenerator.GetBytes(256 * 1024);
        var digest = Digest.Compute(content);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => WriteAsync(content, digest))));

        Assert.All(results, r => Assert.Equal(digest, r.Digest));
        await AssertStoredCountAsync(1);
        Assert.Equal(content, await ReadAllAsync(digest));
    }

    [SkippableFact]
    public async Task Wrong_expected_digest_is_a_typed_error_and_stores_nothing()
    {
        var content = TestImages.Layer("wrong");
        var claimed = Digest.Compute("something else"u8);

        var e = await Assert.ThrowsAnyAsync<ContentVerificationException>(() => WriteAsync(content, claimed));

        Assert.Contains(claimed.Value, e.Message, StringComparison.Ordinal);
        Assert.False(await Store.ExistsAsync(claimed, Ct));
        Assert.False(await Store.ExistsAsync(Digest.Compute(content), Ct));
        await AssertStoredCountAsync(0);
    }

    [SkippableFact]
    public async Task Wrong_expected_size_is_a_typed_error_and_stores_nothing()
    {
        var content = TestImages.Layer("short");

        await Assert.ThrowsAnyAsync<ContentVerificationException>(() => WriteAsync(content, Digest.Compute(content), content.Length + 1));

        Assert.False(await Store.ExistsAsync(Digest.Compute(content), Ct));
        await AssertStoredCountAsync(0);
    }

    [SkippableFact]
    public async Task Missing_blob_is_reported_by_every_method()
    {
        var digest = Digest.Compute("absent"u8);

        Assert.False(await Store.ExistsAsync(digest, Ct));
        Assert.Null(await Store.TryGetSizeAsync(digest, Ct));
        if (Store is IBlobDeleter deleter)
        {
            Assert.False(await deleter.DeleteAsync(digest, Ct));
        }

        var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(digest, Ct));
        Assert.Equal(digest, e.Digest);
        Assert.Contains(digest.Value, e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Corrupted_blob_fails_verification_on_read_naming_the_digest()
    {
        var content = TestImages.Layer("corrupt-me");
        var written = await WriteAsync(content, expected: null);
        await CorruptAsync(written.Digest);

        var e = await Assert.ThrowsAnyAsync<ContentVerificationException>(() => ReadAllAsync(written.Digest));
        Assert.Contains(written.Digest.Value, e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Delete_removes_the_blob()
    {
        var deleter = Require<IBlobDeleter>();
        var written = await WriteAsync(TestImages.Layer("delete"), expected: null);

        Assert.True(await deleter.DeleteAsync(written.Digest, Ct));
        Assert.False(await Store.ExistsAsync(written.Digest, Ct));
        await AssertStoredCountAsync(0);
    }

    [SkippableFact]
    public async Task List_returns_every_blob_with_its_size()
    {
        Require<IBlobEnumerator>();
        var a = await WriteAsync(TestImages.Layer("a"), expected: null);
        var b = await WriteAsync(RandomNumberGenerator.GetBytes(12345), expected: null);

        var listed = await ListAsync();

        Assert.Equal(new[] { a, b }.OrderBy(x => x.Digest), listed.OrderBy(x => x.Digest));
    }

    [SkippableFact]
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

    [SkippableFact]
    public async Task Stat_reports_digest_and_size_without_reading()
    {
        var content = TestImages.Layer("stat");
        var written = await WriteAsync(content, expected: null);

        var stat = await Store.StatAsync(written.Digest, Ct);

        Assert.NotNull(stat);
        Assert.Equal(written.Digest, stat.Value.Digest);
        Assert.Equal(content.Length, stat.Value.Size);
        Assert.Null(await Store.StatAsync(Digest.Compute("not stored"u8), Ct));
    }

    [SkippableFact]
    public async Task An_upload_in_several_writes_becomes_visible_only_at_commit()
    {
        var first = TestImages.Layer("part-one");
        var second = RandomNumberGenerator.GetBytes(70_000);
        var content = first.Concat(second).ToArray();
        var digest = Digest.Compute(content);

        await using (var upload = await Store.BeginUploadAsync(digest, content.Length, Ct))
        {
            await upload.WriteAsync(new MemoryStream(first), Ct);
            Assert.Equal(first.Length, upload.Offset);
            await upload.WriteAsync(new MemoryStream(second), Ct);
            Assert.Equal(content.Length, upload.Offset);
            Assert.False(string.IsNullOrEmpty(upload.Id));
            Assert.Null(await Store.StatAsync(digest, Ct));

            var committed = await upload.CommitAsync(Ct);
            Assert.Equal(new BlobInfo(digest, content.Length), committed);
        }

        Assert.Equal(content, await ReadAllAsync(digest));
    }

    [SkippableFact]
    public async Task An_upload_cancelled_or_dropped_leaves_nothing()
    {
        var content = TestImages.Layer("abandoned");
        var digest = Digest.Compute(content);
        await using (var cancelled = await Store.BeginUploadAsync(digest, content.Length, Ct))
        {
            await cancelled.WriteAsync(new MemoryStream(content), Ct);
            await cancelled.CancelAsync(Ct);
            await cancelled.CancelAsync(Ct);
        }

        await using (var dropped = await Store.BeginUploadAsync(null, null, Ct))
        {
            await dropped.WriteAsync(new MemoryStream(content), Ct);
        }

        Assert.Null(await Store.StatAsync(digest, Ct));
        await AssertStoredCountAsync(0);
    }

    [SkippableFact]
    public async Task An_upload_without_an_expected_digest_is_named_by_its_content()
    {
        var content = RandomNumberGenerator.GetBytes(5000);
        await using var upload = await Store.BeginUploadAsync(null, null, Ct);
        await upload.WriteAsync(new MemoryStream(content), Ct);

        var committed = await upload.CommitAsync(Ct);

        Assert.Equal(new BlobInfo(Digest.Compute(content), content.Length), committed);
        Assert.False(committed.Existed);
        Assert.Equal(content, await ReadAllAsync(committed.Digest));
    }

    [SkippableFact]
    public async Task Push_if_new_never_opens_content_the_store_has()
    {
        var content = TestImages.Layer("push-once");
        var digest = Digest.Compute(content);
        var opened = 0;
        Task<Stream> Open(CancellationToken ct)
        {
            opened++;
            return Task.FromResult<Stream>(new MemoryStream(content, writable: false));
        }

        var first = await Store.PushIfNewAsync(digest, content.Length, Open, Ct);
        var second = await Store.PushIfNewAsync(digest, content.Length, _ => throw new InvalidOperationException("content opened although the store has it"), Ct);

        Assert.Equal(1, opened);
        Assert.False(first.Existed);
        Assert.True(second.Existed);
        Assert.Equal(new BlobInfo(digest, content.Length), second with { Existed = false });
        Assert.Equal(content, await ReadAllAsync(digest));
    }

    [SkippableFact]
    public async Task Push_if_new_verifies_what_it_sends()
    {
        var content = TestImages.Layer("push-wrong");
        var claimed = Digest.Compute("something else"u8);

        await Assert.ThrowsAnyAsync<ContentVerificationException>(() =>
            Store.PushIfNewAsync(claimed, content.Length, _ => Task.FromResult<Stream>(new MemoryStream(content, writable: false)), Ct));

        Assert.Null(await Store.StatAsync(claimed, Ct));
        Assert.Null(await Store.StatAsync(Digest.Compute(content), Ct));
    }

    [SkippableTheory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    public async Task A_layer_is_ingested_with_both_identities_in_one_pass(LayerCompression compression)
    {
        var tar = TestImages.Layer(("a.txt", "layer a\n"), ("big.bin", new string('x', 300_000)));
        var diffId = DiffId.FromDigest(Digest.Compute(tar));

        var first = await LayerIngester.IngestAsync(Store, compression, new MemoryStream(tar), null, null, Ct);
        var second = await LayerIngester.IngestAsync(Store, compression, new MemoryStream(tar), diffId, tar.Length, Ct);

        Assert.Equal(diffId, first.Layer.DiffId);
        Assert.False(first.Existed);
        Assert.True(second.Existed);
        Assert.Equal(Identity(first.Layer), Identity(second.Layer));
        Assert.Equal(compression == LayerCompression.None, first.Layer.IsUncompressed);
        // A compressed layer carries its tar's size, so a later save can tell it by the size the engine exports.
        Assert.Equal(compression == LayerCompression.None ? null : tar.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), first.Layer.Stored.GetAnnotation(StoreAnnotations.LayerTarSize));
        var stored = await ReadAllAsync(first.Layer.Stored.Digest);
        Assert.Equal(first.Layer.Stored.Size, stored.Length);
        Assert.Equal(tar, compression == LayerCompression.None ? stored : Gunzip(stored));
    }

    [SkippableTheory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    public async Task A_layer_that_is_not_its_DiffId_is_refused_and_stores_nothing(LayerCompression compression)
    {
        var tar = TestImages.Layer("claimed");
        var claimed = DiffId.FromDigest(Digest.Compute("another layer"u8));

        await Assert.ThrowsAnyAsync<ContentVerificationException>(() => LayerIngester.IngestAsync(Store, compression, new MemoryStream(tar), claimed, null, Ct));

        Assert.Null(await Store.StatAsync(Digest.Compute(tar), Ct));
        await AssertStoredCountAsync(0);
    }

    private static byte[] Gunzip(byte[] content)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(content), System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
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
        await foreach (var blob in Require<IBlobEnumerator>().ListAsync(Ct))
        {
            list.Add(blob);
        }

        return list;
    }

    /// <summary>The store as <typeparamref name="T"/>, or the case is skipped: the store lacks that capability.</summary>
    protected T Require<T>()
        where T : class
    {
        Skip.IfNot(Store is T, $"the store does not implement {typeof(T).Name}");
        return (T)Store;
    }

    /// <summary>Checks the number of blobs where the store can list them (no blob left behind, none duplicated).</summary>
    protected async Task AssertStoredCountAsync(int expected)
    {
        if (Store is IBlobEnumerator)
        {
            Assert.Equal(expected, (await ListAsync()).Count);
        }
    }

    private static (DiffId, Digest, long, string) Identity(LayerRecord layer) => (layer.DiffId, layer.Stored.Digest, layer.Stored.Size, layer.Stored.MediaType);
}
