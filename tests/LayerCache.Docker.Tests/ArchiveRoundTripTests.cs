using LayerCache.Oci;
using LayerCache.Testing;

namespace LayerCache.Docker.Tests;

/// <summary>
/// A real <c>docker save</c> of dockerd 20.10, streamed from the Engine API through
/// <see cref="DockerArchiveReader"/>, and a <see cref="DockerArchiveWriter"/> archive that leaves out
/// the layers the engine has, loaded back by a real <c>docker load</c>.
/// </summary>
public sealed class ArchiveRoundTripTests(PrivateDockerd engine) : IClassFixture<PrivateDockerd>, IDisposable
{
    private readonly DockerEngineClient _client = new(DockerEndpoint.Parse(engine.Host));
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _client.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Docker_save_streams_through_the_reader_with_layer_digests_equal_to_the_diff_ids()
    {
        var image = await BuildTwoLayerImageAsync();
        var sink = new HashingSink();
        DockerArchiveContents contents;
        await using (var saved = await _client.SaveImagesAsync([image.Id.Value], Ct))
        {
            contents = await DockerArchiveReader.ReadAsync(saved, sink, Ct);
        }

        var read = Assert.Single(contents.GetImages());
        Assert.Equal(image.Id, read.ConfigDigest);
        Assert.Equal(image.Layers, read.Config.DiffIds.Select(d => d.Digest));
        Assert.Equal(image.Layers, read.Layers.Select(l => l.DiffId.Digest));
        Assert.All(read.Layers, l => Assert.True(l.IsVerifiedUncompressed, $"layer {l.Path} hashed to its diff id"));
        Assert.Equal(image.Layers.ToHashSet(), sink.Digests.ToHashSet());
    }

    [Fact]
    public async Task An_archive_without_the_layers_the_engine_has_loads()
    {
        var image = await BuildTwoLayerImageAsync();
        var config = await SaveConfigAsync(image);

        // Remove the image but keep its base: the engine still has the first layer's chain.
        await _client.RemoveImageAsync(image.Id.Value, force: true, Ct);
        Assert.Null(await _client.InspectImageAsync(image.Id.Value, Ct));

        using var archive = new MemoryStream();
        await using (var writer = new DockerArchiveWriter(archive, leaveOpen: true))
        {
            await writer.WriteConfigAsync(config.Content, Ct);
            var diffIds = image.Layers.Select(DiffId.FromDigest).ToList();
            await writer.WriteLayerAsync(diffIds[^1], new MemoryStream(config.LastLayer), config.LastLayer.Length, Ct);
            writer.AddImage(image.Id, diffIds, [Oci.ImageReference.Parse("localhost/roundtrip:partial")]);
            await writer.CompleteAsync(Ct);
        }

        archive.Position = 0;
        await _client.LoadImagesAsync(archive, null, Ct);
        var loaded = await _client.InspectImageAsync("localhost/roundtrip:partial", Ct);
        Assert.Equal(image.Id, loaded?.Id);
    }

    private async Task<DockerImage> BuildTwoLayerImageAsync()
    {
        var context = Directory.CreateTempSubdirectory("lc-roundtrip-").FullName;
        try
        {
            var marker = Guid.NewGuid().ToString("N");
            await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {TestImages.Busybox}\nRUN echo {marker} > /marker\n", Ct);
            var result = await engine.RunDockerCliAsync(
                ["build", "--network", "none", "-t", "localhost/roundtrip:" + marker, context],
                new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "0" },
                Ct);
            Assert.True(result.Succeeded, result.StandardError);
            return (await _client.InspectImageAsync("localhost/roundtrip:" + marker, Ct))!;
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    private async Task<(byte[] Content, byte[] LastLayer)> SaveConfigAsync(DockerImage image)
    {
        var sink = new KeepingSink();
        await using var saved = await _client.SaveImagesAsync([image.Id.Value], Ct);
        var contents = await DockerArchiveReader.ReadAsync(saved, sink, Ct);
        var read = Assert.Single(contents.GetImages());
        var last = read.Layers[^1];
        return (read.ConfigContent.ToArray(), sink.Files[last.ResolvedPath]);
    }

    /// <summary>Hashes every layer as it streams past, keeping nothing.</summary>
    private sealed class HashingSink : IDockerArchiveSink
    {
        public List<Digest> Digests { get; } = [];

        public ValueTask<bool> ShouldConsumeAsync(DockerArchiveEntry entry, CancellationToken cancellationToken) =>
            ValueTask.FromResult(entry.Kind == DockerArchiveEntryKind.Layer);

        public async Task ConsumeAsync(DockerArchiveEntry entry, Stream content, CancellationToken cancellationToken) =>
            Digests.Add(await Digest.ComputeAsync(content, cancellationToken));
    }

    /// <summary>Keeps small layers in memory (the test image's are a few bytes).</summary>
    private sealed class KeepingSink : IDockerArchiveSink
    {
        public Dictionary<string, byte[]> Files { get; } = [];

        public ValueTask<bool> ShouldConsumeAsync(DockerArchiveEntry entry, CancellationToken cancellationToken) =>
            ValueTask.FromResult(entry.Kind == DockerArchiveEntryKind.Layer && entry.Size < 16 * 1024 * 1024);

        public async Task ConsumeAsync(DockerArchiveEntry entry, Stream content, CancellationToken cancellationToken)
        {
            using var buffer = new MemoryStream();
            await content.CopyToAsync(buffer, cancellationToken);
            Files[entry.Path] = buffer.ToArray();
        }
    }
}
