using System.Text;
using LayerCache.Oci;
using LayerCache.Testing;

namespace LayerCache.Oci.Tests;

[Collection(AllocationMeasurements.Name)]
public class DockerArchiveReaderTests
{
    [Fact]
    public async Task Reads_a_dockerd_20_10_archive_with_forward_symlinked_layers()
    {
        var image = SyntheticImage.Create(seed: "classic");
        var (archive, config, configBytes, layerPaths) = ArchiveBuilder.Docker2010(image, "app:v1");
        var sink = new RecordingSink();

        var contents = await DockerArchiveReader.ReadAsync(new ForwardOnlyStream(new MemoryStream(archive)), sink, TestContext.Token);

        var manifest = Assert.Single(contents.Manifests);
        Assert.Equal(["app:v1"], manifest.RepoTags);
        Assert.Equal(layerPaths, manifest.Layers);
        Assert.Equal("v1", contents.Repositories!["app"].Keys.Single());

        // Only the two real layer files were streamed to the sink; the symlink was not.
        Assert.Equal(2, sink.Consumed.Count);
        Assert.Equal(image.Layers[0].DiffId.Digest, sink.Consumed[layerPaths[0]]);

        var imageInfo = Assert.Single(contents.GetImages());
        Assert.Equal(Digest.Compute(configBytes), imageInfo.ConfigDigest);
        Assert.Equal(configBytes, imageInfo.ConfigContent.ToArray());
        Assert.Equal(config.DiffIds, imageInfo.Config.DiffIds);
        Assert.All(imageInfo.Layers, l => Assert.True(l.IsPresent && l.IsVerifiedUncompressed, l.Path));
        Assert.Equal(layerPaths[0], imageInfo.Layers[2].ResolvedPath);
        Assert.Equal(contents.Files[layerPaths[0]], contents.Files[layerPaths[2]]);
        Assert.Equal(layerPaths[0], contents.Links[layerPaths[2]]);
        Assert.Null(contents.Index);

        var kinds = sink.Offered.ToDictionary(e => e.Path, e => e.Kind);
        Assert.Equal(DockerArchiveEntryKind.Config, kinds[imageInfo.ConfigDigest.Hex + ".json"]);
        Assert.Equal(DockerArchiveEntryKind.Metadata, kinds["manifest.json"]);
        Assert.Equal(DockerArchiveEntryKind.Metadata, kinds[new string('b', 64) + "/VERSION"]);
        Assert.Equal(DockerArchiveEntryKind.Layer, kinds[layerPaths[1]]);
        Assert.Equal("manifest.json", sink.Offered[^2].Path);
    }

    [Fact]
    public async Task Skipped_layers_are_not_hashed_but_still_listed()
    {
        var image = SyntheticImage.Create(seed: "skip");
        var (archive, _, _, layerPaths) = ArchiveBuilder.Docker2010(image, "app:v1");
        var contents = await DockerArchiveReader.ReadAsync(new MemoryStream(archive), null, TestContext.Token);
        var imageInfo = Assert.Single(contents.GetImages());
        Assert.All(imageInfo.Layers, l => Assert.True(l.IsPresent));
        Assert.All(imageInfo.Layers, l => Assert.Null(l.File));
        Assert.False(contents.Files.ContainsKey(layerPaths[1]));
        Assert.Equal(image.Layers[1].Tar.Length, contents.Entries[layerPaths[1]].Size);
    }

    [Fact]
    public async Task Reads_the_docker_25_oci_form()
    {
        var image = SyntheticImage.Create(seed: "moby25", gzip: false);
        var configHex = image.ConfigDescriptor.Digest.Hex;
        var manifestDocument = OciJson.SerializeWithDigest(image.Manifest);
        var layerPaths = image.Layers.Select(l => "blobs/sha256/" + l.Digest.Hex).ToList();
        var index = ImageIndex.Empty with
        {
            Manifests = [manifestDocument.ToDescriptor(annotations: new Dictionary<string, string>
            {
                [AnnotationKeys.ImageName] = "docker.io/library/app:v2",
                [AnnotationKeys.RefName] = "v2",
            })],
        };
        var builder = new ArchiveBuilder().Directory("blobs/").Directory("blobs/sha256/");
        var blobs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [configHex] = image.Config,
            [manifestDocument.Digest.Hex] = manifestDocument.Content.ToArray(),
        };
        foreach (var layer in image.Layers)
        {
            blobs[layer.Digest.Hex] = layer.Blob;
        }

        foreach (var (hex, bytes) in blobs)
        {
            builder.File("blobs/sha256/" + hex, bytes);
        }

        var archive = builder
            .File("index.json", OciJson.Serialize(index))
            .File("manifest.json", "[{\"Config\":\"blobs/sha256/" + configHex + "\",\"RepoTags\":[\"app:v2\"],\"Layers\":[" + string.Join(',', layerPaths.Select(p => "\"" + p + "\"")) + "]}]")
            .File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
            .File("repositories", "{\"app\":{\"v2\":\"x\"}}")
            .Build();

        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var sink = new OciLayoutArchiveSink(layout);
        var contents = await DockerArchiveReader.ReadAsync(new ForwardOnlyStream(new MemoryStream(archive)), sink, TestContext.Token);

        Assert.NotNull(contents.Index);
        var imageInfo = Assert.Single(contents.GetImages());
        Assert.Equal(["app:v2"], imageInfo.RepoTags);
        Assert.Equal(image.ConfigDescriptor.Digest, imageInfo.ConfigDigest);
        Assert.All(imageInfo.Layers, l => Assert.True(l.IsVerifiedUncompressed));
        Assert.All(image.Layers, l => Assert.True(layout.HasBlob(l.Digest)));
        Assert.True(layout.HasBlob(manifestDocument.Digest));
        Assert.True(contents.TryGetDocument("blobs/sha256/" + manifestDocument.Digest.Hex, out _));

        // A second pass skips every blob the layout already holds.
        var again = new OciLayoutArchiveSink(layout);
        await DockerArchiveReader.ReadAsync(new MemoryStream(archive), again, TestContext.Token);
        Assert.Empty(again.Stored);
    }

    [Fact]
    public async Task Reads_an_oci_archive_without_manifest_json()
    {
        var image = SyntheticImage.Create(seed: "oci-archive");
        var manifestDocument = OciJson.SerializeWithDigest(image.Manifest);
        var builder = new ArchiveBuilder()
            .File("./oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
            .File("./index.json", OciJson.Serialize(ImageIndex.Empty.WithRef("latest", manifestDocument.ToDescriptor())))
            .File("./blobs/sha256/" + manifestDocument.Digest.Hex, manifestDocument.Content.ToArray())
            .File("./blobs/sha256/" + image.ConfigDescriptor.Digest.Hex, image.Config);
        foreach (var layer in image.Layers)
        {
            builder.File("./blobs/sha256/" + layer.Digest.Hex, layer.Blob);
        }

        var contents = await DockerArchiveReader.ReadAsync(new MemoryStream(builder.Build()), new RecordingSink(), TestContext.Token);
        Assert.Empty(contents.Manifests);
        var imageInfo = Assert.Single(contents.GetImages());
        Assert.Empty(imageInfo.RepoTags);
        Assert.Equal(manifestDocument.Digest, imageInfo.ManifestDescriptor!.Digest);
        Assert.Equal(MediaType.OciLayerGzip, imageInfo.Layers[0].MediaType);
        Assert.Equal(image.Layers[1].Digest, imageInfo.Layers[1].File!.Value.Digest);
        Assert.False(imageInfo.Layers[1].IsVerifiedUncompressed);
    }

    [Fact]
    public async Task Gzip_compressed_archive_is_detected()
    {
        var image = SyntheticImage.Create(seed: "gz");
        var (archive, _, _, _) = ArchiveBuilder.Docker2010(image, "app:gz");
        var contents = await DockerArchiveReader.ReadAsync(new ForwardOnlyStream(new MemoryStream(SyntheticImage.Gzip(archive))), new RecordingSink(), TestContext.Token);
        Assert.All(Assert.Single(contents.GetImages()).Layers, l => Assert.True(l.IsVerifiedUncompressed));
    }

    [Fact]
    public async Task Hard_linked_layers_resolve()
    {
        var image = SyntheticImage.Create(layerCount: 1, seed: "hard");
        var config = OciJson.Serialize(new ImageConfig { RootFs = new RootFs { DiffIds = [image.Layers[0].DiffId, image.Layers[0].DiffId] } });
        var configName = Digest.Compute(config).Hex + ".json";
        var archive = new ArchiveBuilder()
            .File(configName, config)
            .File("a/layer.tar", image.Layers[0].Tar)
            .HardLink("b/layer.tar", "a/layer.tar")
            .File("manifest.json", "[{\"Config\":\"" + configName + "\",\"RepoTags\":null,\"Layers\":[\"a/layer.tar\",\"b/layer.tar\"]}]")
            .Build();
        var contents = await DockerArchiveReader.ReadAsync(new MemoryStream(archive), new RecordingSink(), TestContext.Token);
        var imageInfo = Assert.Single(contents.GetImages());
        Assert.Empty(imageInfo.RepoTags);
        Assert.True(imageInfo.Layers[1].IsVerifiedUncompressed);
        Assert.Equal("a/layer.tar", contents.ResolvePath("./b/layer.tar"));
    }

    [Fact]
    public async Task Layers_stream_in_constant_memory()
    {
        // A 192 MiB layer produced on the fly into a pipe: the archive is never in memory either.
        const long layerSize = 192L * 1024 * 1024;
        var diffId = DiffId.FromDigest(Digest.Parse("sha256:" + new string('a', 64)));
        var config = OciJson.Serialize(new ImageConfig { RootFs = new RootFs { DiffIds = [diffId] } });
        using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        using var client = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, server.ClientSafePipeHandle);
        var producer = Task.Run(async () =>
        {
            await using var writer = new DockerArchiveWriter(server, leaveOpen: true);
            await writer.WriteConfigAsync(config, TestContext.Token);
            await writer.WriteLayerAsync(diffId, new PatternStream(layerSize), layerSize, TestContext.Token);
            writer.AddImage(Digest.Compute(config), [diffId], [ImageReference.Parse("big:1")]);
            await writer.CompleteAsync(TestContext.Token);
            server.Dispose();
        });

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var sink = new RecordingSink();
        var contents = await DockerArchiveReader.ReadAsync(client, sink, TestContext.Token);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        await producer;

        var file = contents.Files[DockerArchiveWriter.LayerPath(diffId)];
        Assert.Equal(layerSize, file.Size);
        Assert.Equal(await Digest.ComputeAsync(new PatternStream(layerSize), TestContext.Token), file.Digest);
        Assert.True(allocated < 48L * 1024 * 1024, $"allocated {allocated} bytes while streaming a {layerSize}-byte layer");
    }

    [Fact]
    public async Task Truncated_archive_is_an_InvalidArchiveException_naming_the_entry()
    {
        var image = SyntheticImage.Create(seed: "trunc");
        var (archive, _, _, layerPaths) = ArchiveBuilder.Docker2010(image, "app:v1");
        // Cut 700 bytes into the second layer's data (no link names it, so its header is the first occurrence of its path).
        var header = Encoding.ASCII.GetBytes(layerPaths[1]);
        var headerAt = archive.AsSpan().IndexOf(header);
        Assert.True(headerAt > 0);
        var truncated = archive[..(headerAt + 512 + 700)];

        var sink = new RecordingSink();
        var withSink = await Assert.ThrowsAsync<InvalidArchiveException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(truncated), sink, TestContext.Token));
        Assert.Contains("truncated", withSink.Message, StringComparison.Ordinal);
        Assert.NotNull(withSink.EntryName);

        // The sink read the cut layer but must never have seen it end as if complete.
        Assert.Contains(sink.Offered, e => e.Path == layerPaths[1]);
        Assert.DoesNotContain(layerPaths[1], sink.Consumed.Keys);

        await Assert.ThrowsAsync<InvalidArchiveException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(truncated), null, TestContext.Token));
        await Assert.ThrowsAsync<InvalidArchiveException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(archive[..(archive.Length - 1500)]), null, TestContext.Token));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Not_an_archive_is_rejected(int kind)
    {
        byte[] bytes = kind switch
        {
            0 => [],
            1 => Encoding.UTF8.GetBytes("{\"this\":\"is json, not a tar\"}" + new string(' ', 600)),
            _ => new ArchiveBuilder().File("hello.txt", "hi").Build(),
        };
        var error = await Assert.ThrowsAsync<InvalidArchiveException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(bytes), null, TestContext.Token));
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task Corrupt_blob_in_oci_form_fails_verification()
    {
        var bogus = Digest.Compute("other"u8);
        var archive = new ArchiveBuilder()
            .File("blobs/sha256/" + bogus.Hex, new byte[5 * 1024 * 1024])
            .File("index.json", "{\"schemaVersion\":2,\"manifests\":[]}")
            .Build();
        var error = await Assert.ThrowsAsync<DigestMismatchException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(archive), new RecordingSink(), TestContext.Token));
        Assert.Equal(bogus, error.Expected);
        Assert.Contains("blobs/sha256/", error.Message, StringComparison.Ordinal);

        var small = new ArchiveBuilder().File("blobs/sha256/" + bogus.Hex, "{}").File("index.json", "{\"schemaVersion\":2,\"manifests\":[]}").Build();
        await Assert.ThrowsAsync<DigestMismatchException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(small), null, TestContext.Token));
    }

    [Theory]
    [InlineData("[{\"Config\":\"missing.json\",\"RepoTags\":[],\"Layers\":[]}]", "missing.json")]
    [InlineData("[{\"Config\":\"CONFIG\",\"RepoTags\":[],\"Layers\":[\"x/layer.tar\",\"y/layer.tar\"]}]", "diff_ids")]
    public async Task Manifest_that_does_not_fit_the_archive_is_rejected(string manifest, string expected)
    {
        var config = OciJson.Serialize(new ImageConfig { RootFs = new RootFs { DiffIds = [DiffId.FromDigest(Digest.Compute("l"u8))] } });
        var configName = Digest.Compute(config).Hex + ".json";
        var archive = new ArchiveBuilder()
            .File(configName, config)
            .File("manifest.json", manifest.Replace("CONFIG", configName, StringComparison.Ordinal))
            .Build();
        var contents = await DockerArchiveReader.ReadAsync(new MemoryStream(archive), null, TestContext.Token);
        var error = Assert.Throws<InvalidArchiveException>(() => contents.GetImages());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_metadata_and_unsafe_paths_are_rejected()
    {
        var badJson = new ArchiveBuilder().File("manifest.json", "[{\"Config\":").Build();
        var json = await Assert.ThrowsAsync<OciFormatException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(badJson), null, TestContext.Token));
        Assert.Contains("manifest.json", json.Message, StringComparison.Ordinal);

        var escape = new ArchiveBuilder().File("../evil", "x").File("manifest.json", "[]").Build();
        var unsafePath = await Assert.ThrowsAsync<InvalidArchiveException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(escape), null, TestContext.Token));
        Assert.Equal("../evil", unsafePath.EntryName);

        var twice = new ArchiveBuilder().File("manifest.json", "[]").File("./manifest.json", "[]").Build();
        await Assert.ThrowsAsync<InvalidArchiveException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(twice), null, TestContext.Token));

        var loop = new ArchiveBuilder().Symlink("a", "b").Symlink("b", "a").File("manifest.json", "[]").Build();
        var loopError = await Assert.ThrowsAsync<InvalidArchiveException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(loop), null, TestContext.Token));
        Assert.Contains("too many levels of links", loopError.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b", "a/b")]
    [InlineData("./a//b/", "a/b")]
    [InlineData("/a/./b", "a/b")]
    [InlineData("a/../b", "b")]
    [InlineData("../a", null)]
    [InlineData("./", null)]
    public void Entry_paths_are_normalised(string input, string? expected) => Assert.Equal(expected, DockerArchiveReader.NormalizeEntryPath(input));

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        var image = SyntheticImage.Create(seed: "cancel");
        var (archive, _, _, _) = ArchiveBuilder.Docker2010(image, "app:v1");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DockerArchiveReader.ReadAsync(new MemoryStream(archive), new RecordingSink(), cancelled.Token));
    }
}
