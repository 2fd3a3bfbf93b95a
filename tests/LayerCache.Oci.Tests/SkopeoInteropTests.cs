using System.Text;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

/// <summary>Our layout writer, archive reader and archive writer against the real skopeo.</summary>
public class SkopeoInteropTests
{
    [Fact]
    public async Task Skopeo_inspects_a_layout_we_wrote()
    {
        using var temp = new TempDirectory();
        var (layout, image, _) = await WriteImageAsync(temp.Combine("layout"));

        // A stray temp file (a crashed writer) must not disturb other tools.
        await File.WriteAllTextAsync(Path.Combine(layout.Root, ".tmp", "write-stray"), "partial", TestContext.Token);

        var inspect = await Skopeo.InspectAsync($"oci:{layout.Root}:app");
        var layers = inspect.GetProperty("Layers").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(image.Layers.Select(l => l.Digest.Value), layers);
        Assert.Equal("amd64", inspect.GetProperty("Architecture").GetString());

        var raw = await Skopeo.InspectAsync($"oci:{layout.Root}:app", raw: true);
        Assert.Equal(image.ConfigDescriptor.Digest.Value, raw.GetProperty("config").GetProperty("digest").GetString());
    }

    [Fact]
    public async Task Skopeo_docker_archive_of_our_layout_reads_back()
    {
        using var temp = new TempDirectory();
        var (layout, image, _) = await WriteImageAsync(temp.Combine("layout"));
        var archive = temp.Combine("image.tar");
        await Skopeo.RunAsync("copy", $"oci:{layout.Root}:app", $"docker-archive:{archive}:example.com/team/app:v1");

        var sink = new RecordingSink();
        await using var stream = new ForwardOnlyStream(File.OpenRead(archive));
        var contents = await DockerArchiveReader.ReadAsync(stream, sink, TestContext.Token);
        var imageInfo = Assert.Single(contents.GetImages());
        Assert.Equal(["example.com/team/app:v1"], imageInfo.RepoTags);
        Assert.Equal(image.Layers.Select(l => l.DiffId), imageInfo.Config.DiffIds);

        // skopeo decompresses layers for docker-archive: every layer file hashes to its DiffId.
        Assert.All(imageInfo.Layers, l => Assert.True(l.IsVerifiedUncompressed, $"{l.Path} -> {l.ResolvedPath}"));
        Assert.Equal(image.Layers.Select(l => l.DiffId.Digest), imageInfo.Layers.Select(l => l.File!.Value.Digest));
    }

    [Fact]
    public async Task Skopeo_copy_between_layouts_reads_back()
    {
        using var temp = new TempDirectory();
        var (layout, image, descriptor) = await WriteImageAsync(temp.Combine("layout"));
        var other = temp.Combine("other");
        await Skopeo.RunAsync("copy", $"oci:{layout.Root}:app", $"oci:{other}:copied");

        var copy = await OciLayout.OpenAsync(other, TestContext.Token);
        var copied = await copy.ResolveAsync("copied", TestContext.Token);
        Assert.NotNull(copied);
        var manifest = await copy.ReadManifestAsync(copied, TestContext.Token);
        Assert.Equal(image.Manifest.Layers.Select(l => l.Digest), manifest.Layers.Select(l => l.Digest));
        Assert.Equal(image.ConfigDescriptor.Digest, manifest.Config.Digest);
        Assert.Equal(descriptor.Digest, copied.Digest);
        var config = await copy.ReadConfigAsync(manifest.Config, TestContext.Token);
        Assert.Equal(image.Layers.Select(l => l.DiffId), config.DiffIds);
        foreach (var layer in manifest.Layers)
        {
            await using var blob = await copy.OpenBlobAsync(layer, TestContext.Token);
            await blob.VerifyToEndAsync(TestContext.Token);
        }

        // Our writer can add to a layout skopeo wrote, and skopeo still reads both.
        var layout2 = await OciLayout.OpenOrCreateAsync(other, TestContext.Token);
        await SyntheticImage.Create(seed: "second").WriteToAsync(layout2, "second", TestContext.Token);
        await Skopeo.InspectAsync($"oci:{other}:copied");
        await Skopeo.InspectAsync($"oci:{other}:second");
    }

    [Fact]
    public async Task Skopeo_oci_archive_reads_back_into_a_layout()
    {
        using var temp = new TempDirectory();
        var (layout, image, _) = await WriteImageAsync(temp.Combine("layout"));
        var archive = temp.Combine("image-oci.tar");
        await Skopeo.RunAsync("copy", $"oci:{layout.Root}:app", $"oci-archive:{archive}:app");

        var target = await OciLayout.OpenOrCreateAsync(temp.Combine("target"), TestContext.Token);
        var sink = new OciLayoutArchiveSink(target);
        await using var stream = new ForwardOnlyStream(File.OpenRead(archive));
        var contents = await DockerArchiveReader.ReadAsync(stream, sink, TestContext.Token);
        Assert.NotNull(contents.Index);
        var imageInfo = Assert.Single(contents.GetImages());
        Assert.Equal(image.Layers.Select(l => l.DiffId), imageInfo.Config.DiffIds);
        Assert.Equal(image.Manifest.Layers.Select(l => l.MediaType), imageInfo.Layers.Select(l => l.MediaType));
        Assert.All(image.Layers, l => Assert.True(target.HasBlob(l.Digest)));
        Assert.True(target.HasBlob(imageInfo.ConfigDigest));
        Assert.True(target.HasBlob(imageInfo.ManifestDescriptor!.Digest));
    }

    [Fact]
    public async Task Skopeo_reads_a_docker_archive_we_wrote()
    {
        using var temp = new TempDirectory();
        var image = SyntheticImage.Create(seed: "to-skopeo", gzip: false);
        var archive = temp.Combine("ours.tar");
        await using (var file = File.Create(archive))
        await using (var writer = new DockerArchiveWriter(file))
        {
            await writer.WriteConfigAsync(image.Config, TestContext.Token);
            foreach (var layer in image.Layers)
            {
                await writer.WriteLayerAsync(layer.DiffId, new MemoryStream(layer.Tar), layer.Tar.Length, TestContext.Token);
            }

            writer.AddImage(image.ConfigDescriptor.Digest, image.Layers.Select(l => l.DiffId), [ImageReference.Parse("app:ours")]);
            await writer.CompleteAsync(TestContext.Token);
        }

        var inspect = await Skopeo.InspectAsync($"docker-archive:{archive}");
        Assert.Equal(image.Layers.Select(l => l.DiffId.Digest.Value), inspect.GetProperty("Layers").EnumerateArray().Select(e => e.GetString()));

        var copyDir = temp.Combine("copy");
        await Skopeo.RunAsync("copy", $"docker-archive:{archive}:app:ours", $"oci:{copyDir}:ours");
        var copy = await OciLayout.OpenAsync(copyDir, TestContext.Token);
        var manifest = await copy.ReadManifestAsync((await copy.ResolveAsync("ours", TestContext.Token))!, TestContext.Token);
        var config = await copy.ReadConfigAsync(manifest.Config, TestContext.Token);
        Assert.Equal(image.Layers.Select(l => l.DiffId), config.DiffIds);
        Assert.Equal(image.ConfigDescriptor.Digest, manifest.Config.Digest);
    }

    [Fact]
    public async Task Skopeo_output_with_a_corrupted_blob_fails_verification()
    {
        using var temp = new TempDirectory();
        var (layout, image, _) = await WriteImageAsync(temp.Combine("layout"));
        var other = temp.Combine("other");
        await Skopeo.RunAsync("copy", $"oci:{layout.Root}:app", $"oci:{other}:copied");
        var copy = await OciLayout.OpenAsync(other, TestContext.Token);
        var layer = image.Manifest.Layers[1];
        var bytes = await File.ReadAllBytesAsync(copy.GetBlobPath(layer.Digest), TestContext.Token);
        bytes[^3] ^= 0xff;
        await File.WriteAllBytesAsync(copy.GetBlobPath(layer.Digest), bytes, TestContext.Token);
        await using var blob = await copy.OpenBlobAsync(layer, TestContext.Token);
        var error = await Assert.ThrowsAsync<DigestMismatchException>(() => blob.CopyToAsync(Stream.Null, TestContext.Token));
        Assert.Equal(layer.Digest, error.Expected);
        Assert.Contains(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(layer.Digest.Hex)), error.Message, StringComparison.Ordinal);
    }

    private static async Task<(OciLayout Layout, SyntheticImage Image, Descriptor Descriptor)> WriteImageAsync(string directory)
    {
        var layout = await OciLayout.OpenOrCreateAsync(directory, TestContext.Token);
        var image = SyntheticImage.Create(seed: Path.GetFileName(Path.GetDirectoryName(directory)) ?? "s");
        var descriptor = await image.WriteToAsync(layout, "app", TestContext.Token);
        return (layout, image, descriptor);
    }
}
