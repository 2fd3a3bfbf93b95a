using LayerCache.Oci;

namespace LayerCache.Store.Tests;

/// <summary>The blob conformance suite over a store directory, plus: failed writes leave no file behind.</summary>
public sealed class FileSystemBlobStoreTests : BlobStoreConformance
{
    private TempDirectory? _temp;

    private string Dir => _temp!.Combine("store");

    [Fact]
    public async Task A_rejected_write_leaves_no_file_anywhere_in_the_store()
    {
        var before = Files();
        var content = TestImages.Layer("rejected");

        await Assert.ThrowsAnyAsync<ContentVerificationException>(() => WriteAsync(content, Digest.Compute("other"u8)));

        Assert.Equal(before, Files());
    }

    [Fact]
    public async Task A_blob_is_stored_at_its_layout_path()
    {
        var content = TestImages.Layer("path");
        var written = await WriteAsync(content, expected: null);

        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(Dir, "blobs", "sha256", written.Digest.Hex), Ct));
    }

    protected override async Task<IBlobStore> CreateStoreAsync()
    {
        _temp = new TempDirectory();
        return (await FileSystemCacheStore.OpenAsync(Dir, Ct)).Blobs;
    }

    protected override async Task CorruptAsync(Digest digest)
    {
        var path = Path.Combine(Dir, "blobs", digest.AlgorithmName, digest.Hex);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[0] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes, Ct);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _temp?.Dispose();
        }

        base.Dispose(disposing);
    }

    private List<string> Files() =>
        [.. Directory.EnumerateFiles(Dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Dir, f)).Order(StringComparer.Ordinal)];
}
