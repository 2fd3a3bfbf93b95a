using System.Formats.Tar;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

public class DockerArchiveWriterTests
{
    [Fact]
    public async Task Writes_an_archive_that_reads_back_with_omitted_layers()
    {
        var image = SyntheticImage.Create(layerCount: 3, seed: "writer", gzip: false);
        var diffIds = image.Layers.Select(l => l.DiffId).ToList();
        var output = new MemoryStream();
        await using (var writer = new DockerArchiveWriter(output, leaveOpen: true))
        {
            var configPath = await writer.WriteConfigAsync(image.Config, TestContext.Token);
            Assert.Equal(image.ConfigDescriptor.Digest.Hex + ".json", configPath);

            // Layer 0 is "already in the engine": listed, not written.
            for (var i = 1; i < 3; i++)
            {
                var layer = image.Layers[i];
                await using var verified = new VerifyingStream(new MemoryStream(layer.Tar), layer.DiffId.Digest, layer.Tar.Length);
                Assert.Equal(DockerArchiveWriter.LayerPath(layer.DiffId), await writer.WriteLayerAsync(layer.DiffId, verified, layer.Tar.Length, TestContext.Token));
                Assert.True(verified.IsVerified);
            }

            var manifest = writer.AddImage(image.ConfigDescriptor.Digest, diffIds, [ImageReference.Parse("app:v1"), ImageReference.Parse("localhost:5000/team/app:v1")]);
            Assert.Equal(["app:v1", "localhost:5000/team/app:v1"], manifest.RepoTags);
            await writer.CompleteAsync(TestContext.Token);
        }

        // An independent tar reader accepts it.
        output.Position = 0;
        var names = new List<string>();
        await using (var tar = new TarReader(output, leaveOpen: true))
        {
            while (await tar.GetNextEntryAsync(false, TestContext.Token) is { } entry)
            {
                names.Add(entry.Name);
            }
        }

        Assert.Equal("manifest.json", names[^2]);
        Assert.Equal("repositories", names[^1]);
        Assert.DoesNotContain(DockerArchiveWriter.LayerPath(diffIds[0]), names);

        output.Position = 0;
        var contents = await DockerArchiveReader.ReadAsync(output, new RecordingSink(), TestContext.Token);
        var imageInfo = Assert.Single(contents.GetImages());
        Assert.Equal(["app:v1", "localhost:5000/team/app:v1"], imageInfo.RepoTags);
        Assert.False(imageInfo.Layers[0].IsPresent);
        Assert.True(imageInfo.Layers[1].IsVerifiedUncompressed);
        Assert.True(imageInfo.Layers[2].IsVerifiedUncompressed);
        Assert.Equal(image.ConfigDescriptor.Digest, imageInfo.ConfigDigest);
        Assert.Equal(diffIds[2].Digest.Hex, contents.Repositories!["app"]["v1"]);
        Assert.Equal(diffIds[2].Digest.Hex, contents.Repositories["localhost:5000/team/app"]["v1"]);
    }

    [Fact]
    public async Task Repeated_diff_ids_of_empty_layers_all_stay_in_manifest_json()
    {
        // Two empty layers (same DiffId) around a real one: docker load needs one path per config DiffId.
        var image = SyntheticImage.Create(layerCount: 2, seed: "repeat", gzip: false);
        var empty = image.Layers[0];
        List<DiffId> diffIds = [empty.DiffId, image.Layers[1].DiffId, empty.DiffId];
        var output = new MemoryStream();
        await using (var writer = new DockerArchiveWriter(output, leaveOpen: true))
        {
            await writer.WriteConfigAsync(image.Config, TestContext.Token);
            foreach (var layer in image.Layers)
            {
                await writer.WriteLayerAsync(layer.DiffId, new MemoryStream(layer.Tar), layer.Tar.Length, TestContext.Token);
            }

            writer.AddImage(image.ConfigDescriptor.Digest, diffIds, [ImageReference.Parse("app:v1")]);
            await writer.CompleteAsync(TestContext.Token);
        }

        output.Position = 0;
        byte[]? manifestJson = null;
        await using (var tar = new TarReader(output, leaveOpen: true))
        {
            while (await tar.GetNextEntryAsync(true, TestContext.Token) is { } entry)
            {
                if (entry.Name == "manifest.json")
                {
                    using var buffer = new MemoryStream();
                    await entry.DataStream!.CopyToAsync(buffer, TestContext.Token);
                    manifestJson = buffer.ToArray();
                }
            }
        }

        var manifest = Assert.Single(OciJson.DeserializeDockerArchiveManifest(manifestJson));
        Assert.Equal(diffIds.Select(DockerArchiveWriter.LayerPath), manifest.Layers);
    }

    [Fact]
    public async Task Duplicate_configs_and_layers_are_written_once()
    {
        var image = SyntheticImage.Create(layerCount: 1, seed: "dup", gzip: false);
        var output = new MemoryStream();
        await using var writer = new DockerArchiveWriter(output, leaveOpen: true);
        await writer.WriteConfigAsync(image.Config, TestContext.Token);
        await writer.WriteConfigAsync(image.Config, TestContext.Token);
        var layer = image.Layers[0];
        await writer.WriteLayerAsync(layer.DiffId, new MemoryStream(layer.Tar), layer.Tar.Length, TestContext.Token);
        var lengthAfterFirst = output.Length;
        await writer.WriteLayerAsync(layer.DiffId, new MemoryStream(layer.Tar), layer.Tar.Length, TestContext.Token);
        Assert.Equal(lengthAfterFirst, output.Length);
        Assert.Equal(2, writer.WrittenPaths.Count);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task Content_of_the_wrong_size_is_refused(int delta)
    {
        var data = new byte[10_000];
        await using var writer = new DockerArchiveWriter(new MemoryStream());
        var diffId = DiffId.FromDigest(Digest.Compute(data));
        var error = await Assert.ThrowsAsync<SizeMismatchException>(() => writer.WriteLayerAsync(diffId, new MemoryStream(data), data.Length - delta, TestContext.Token));
        Assert.Contains("layer.tar", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Corrupt_verified_source_is_refused()
    {
        var data = Encoding.UTF8.GetBytes("not the layer you are looking for");
        var diffId = DiffId.FromDigest(Digest.Compute("the real layer"u8));
        await using var writer = new DockerArchiveWriter(new MemoryStream());
        await using var source = new VerifyingStream(new MemoryStream(data), diffId.Digest, data.Length);
        await Assert.ThrowsAsync<DigestMismatchException>(() => writer.WriteLayerAsync(diffId, source, data.Length, TestContext.Token));
    }

    [Fact]
    public async Task Misuse_is_reported()
    {
        await using var writer = new DockerArchiveWriter(new MemoryStream());
        var digest = Digest.Compute("{}"u8);
        Assert.Throws<InvalidOperationException>(() => writer.AddImage(digest, [], []));
        writer.AddManifest(new DockerArchiveManifest { Config = "missing.json", Layers = [] });
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(TestContext.Token));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(TestContext.Token));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteConfigAsync("{}"u8.ToArray(), TestContext.Token));

        await using var other = new DockerArchiveWriter(new MemoryStream());
        await other.WriteConfigAsync("{}"u8.ToArray(), TestContext.Token);
        Assert.Throws<ArgumentException>(() => other.AddImage(digest, [], [ImageReference.Parse("app@sha256:" + new string('a', 64))]));
    }

    [Fact]
    public async Task Empty_archive_has_an_empty_manifest()
    {
        var output = new MemoryStream();
        await using (var writer = new DockerArchiveWriter(output, leaveOpen: true))
        {
            await writer.CompleteAsync(TestContext.Token);
        }

        Assert.Equal(0, output.Length % 512);
        output.Position = 0;
        var contents = await DockerArchiveReader.ReadAsync(output, null, TestContext.Token);
        Assert.Empty(contents.Manifests);
        Assert.Null(contents.Repositories);
    }
}
