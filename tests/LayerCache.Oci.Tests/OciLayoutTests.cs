using System.Text;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

public class OciLayoutTests
{
    [Fact]
    public async Task Creates_a_valid_empty_layout()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Combine("store"), TestContext.Token);
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", await File.ReadAllTextAsync(temp.Combine("store", "oci-layout"), TestContext.Token));
        Assert.True(Directory.Exists(temp.Combine("store", "blobs", "sha256")));
        var index = await layout.ReadIndexAsync(TestContext.Token);
        Assert.Empty(index.Manifests);
        Assert.Equal(2, index.SchemaVersion);

        // Opening again keeps what is there.
        await layout.TagAsync("v1", new Descriptor { MediaType = MediaType.OciImageManifest, Digest = Digest.Compute("m"u8), Size = 1 }, TestContext.Token);
        var again = await OciLayout.OpenOrCreateAsync(temp.Combine("store"), TestContext.Token);
        Assert.Single((await again.ReadIndexAsync(TestContext.Token)).Manifests);
        Assert.NotNull(await (await OciLayout.OpenAsync(temp.Combine("store"), TestContext.Token)).ResolveAsync("v1", TestContext.Token));
    }

    [Fact]
    public async Task Writes_and_reads_verified_blobs()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var content = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        var digest = Digest.Compute(content);

        var info = await layout.WriteBlobAsync(new ForwardOnlyStream(new MemoryStream(content)), null, null, TestContext.Token);
        Assert.Equal(new BlobInfo(digest, content.Length), info);
        Assert.True(layout.HasBlob(digest));
        Assert.Equal(temp.Combine("blobs", "sha256", digest.Hex), layout.GetBlobPath(digest));
        Assert.True(layout.TryGetBlobSize(digest, out var size) && size == content.Length);

        await using (var stream = await layout.OpenBlobAsync(digest, content.Length, TestContext.Token))
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy, TestContext.Token);
            Assert.Equal(content, copy.ToArray());
            Assert.True(stream.IsVerified);
        }

        Assert.Equal(content, await layout.ReadBlobAsync(digest, TestContext.Token));
        Assert.Equal([info], layout.EnumerateBlobs());
        Assert.Empty(Directory.EnumerateFiles(temp.Combine(".tmp")));
    }

    [Fact]
    public async Task Existing_blob_is_not_read_again()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var info = await layout.WriteBlobAsync("abc"u8.ToArray(), TestContext.Token);
        var source = new ForwardOnlyStream(new MemoryStream("abc"u8.ToArray()));
        Assert.False(info.Existed);
        Assert.Equal(info with { Existed = true }, await layout.WriteBlobAsync(source, info.Digest, 3, TestContext.Token));
        Assert.Equal(0, source.Consumed);
    }

    [Fact]
    public async Task Wrong_digest_or_size_stores_nothing()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var content = Encoding.UTF8.GetBytes("the real content");
        var wrong = Digest.Compute("something else"u8);

        var mismatch = await Assert.ThrowsAsync<DigestMismatchException>(() => layout.WriteBlobAsync(new MemoryStream(content), wrong, null, TestContext.Token));
        Assert.Equal(Digest.Compute(content), mismatch.Actual);
        Assert.False(layout.HasBlob(wrong));
        Assert.False(layout.HasBlob(Digest.Compute(content)));

        await Assert.ThrowsAsync<SizeMismatchException>(() => layout.WriteBlobAsync(new MemoryStream(content), Digest.Compute(content), content.Length - 1, TestContext.Token));
        await Assert.ThrowsAsync<SizeMismatchException>(() => layout.WriteBlobAsync(new MemoryStream(content), null, content.Length + 1, TestContext.Token));
        Assert.Empty(layout.EnumerateBlobs());
        Assert.Empty(Directory.EnumerateFiles(temp.Combine(".tmp")));
    }

    [Fact]
    public async Task Corrupt_blob_fails_verification_on_read()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var info = await layout.WriteBlobAsync(Encoding.UTF8.GetBytes("{\"good\":true}"), TestContext.Token);
        await File.WriteAllTextAsync(layout.GetBlobPath(info.Digest), "{\"good\":fals}", TestContext.Token);

        await using (var stream = await layout.OpenBlobAsync(info.Digest, info.Size, TestContext.Token))
        {
            await Assert.ThrowsAsync<DigestMismatchException>(() => stream.CopyToAsync(Stream.Null, TestContext.Token));
        }

        await Assert.ThrowsAsync<DigestMismatchException>(() => layout.ReadBlobAsync(info.Digest, TestContext.Token));
        var descriptor = info.ToDescriptor(MediaType.OciImageConfig);
        await Assert.ThrowsAsync<DigestMismatchException>(() => layout.ReadConfigAsync(descriptor, TestContext.Token));

        await File.WriteAllTextAsync(layout.GetBlobPath(info.Digest), "{}", TestContext.Token);
        await Assert.ThrowsAsync<SizeMismatchException>(() => layout.ReadConfigAsync(descriptor, TestContext.Token));
    }

    [Fact]
    public async Task Missing_blob_is_a_typed_error()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var digest = Digest.Compute("nope"u8);
        var error = await Assert.ThrowsAsync<BlobNotFoundException>(() => layout.OpenBlobAsync(digest, null, TestContext.Token));
        Assert.Equal(digest, error.Digest);
        Assert.Contains(digest.Value, error.Message, StringComparison.Ordinal);
        Assert.False(layout.DeleteBlob(digest));
    }

    [Fact]
    public async Task Index_is_replaced_atomically_and_tags_move()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var image1 = SyntheticImage.Create(seed: "one");
        var image2 = SyntheticImage.Create(seed: "two");
        var d1 = await image1.WriteToAsync(layout, "app", TestContext.Token);
        var d2 = await image2.WriteToAsync(layout, "app", TestContext.Token);
        await layout.TagAsync("old", d1, TestContext.Token);

        var index = await layout.ReadIndexAsync(TestContext.Token);
        Assert.Equal(2, index.Manifests.Count);
        Assert.Equal(d2.Digest, (await layout.ResolveAsync("app", TestContext.Token))!.Digest);
        Assert.Equal(d1.Digest, (await layout.ResolveAsync("old", TestContext.Token))!.Digest);
        Assert.Null(await layout.ResolveAsync("missing", TestContext.Token));

        var manifest = await layout.ReadManifestAsync(d2, TestContext.Token);
        Assert.Equal(image2.Manifest.Layers, manifest.Layers);
        var config = await layout.ReadConfigAsync(manifest.Config, TestContext.Token);
        Assert.Equal(image2.Layers.Select(l => l.DiffId), config.DiffIds);
        Assert.Empty(Directory.EnumerateFiles(temp.Combine(".tmp")));

        Assert.True(layout.DeleteBlob(manifest.Layers[0].Digest));
        Assert.False(layout.HasBlob(manifest.Layers[0].Digest));
    }

    [Fact]
    public async Task Malformed_layouts_are_rejected()
    {
        using var temp = new TempDirectory();
        var notLayout = await Assert.ThrowsAsync<OciFormatException>(() => OciLayout.OpenAsync(temp.Path, TestContext.Token));
        Assert.Contains("no oci-layout", notLayout.Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(temp.Combine("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}", TestContext.Token);
        var version = await Assert.ThrowsAsync<OciFormatException>(() => OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token));
        Assert.Contains("unsupported imageLayoutVersion", version.Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(temp.Combine("oci-layout"), "not json", TestContext.Token);
        await Assert.ThrowsAsync<OciFormatException>(() => OciLayout.OpenAsync(temp.Path, TestContext.Token));

        await File.WriteAllTextAsync(temp.Combine("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", TestContext.Token);
        await File.WriteAllTextAsync(temp.Combine("index.json"), "{\"schemaVersion\":2,\"manifests\":[{}]}", TestContext.Token);
        var layout = await OciLayout.OpenAsync(temp.Path, TestContext.Token);
        var index = await Assert.ThrowsAsync<OciFormatException>(() => layout.ReadIndexAsync(TestContext.Token));
        Assert.Contains("index.json", index.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stale_temp_files_are_removed_and_fresh_ones_kept()
    {
        using var temp = new TempDirectory();
        await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var stale = temp.Combine(".tmp", "write-stale");
        var fresh = temp.Combine(".tmp", "write-fresh");
        await File.WriteAllTextAsync(stale, "x", TestContext.Token);
        await File.WriteAllTextAsync(fresh, "x", TestContext.Token);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddDays(-2));
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        Assert.True(File.Exists(stale));
        Assert.Equal(1, layout.RemoveStaleTempFiles(TimeSpan.FromHours(1)));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
    }
}
