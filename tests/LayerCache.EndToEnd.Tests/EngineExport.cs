using LayerCache.Docker;
using LayerCache.Oci;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Measures images as the engine exports them (a streamed <c>docker save</c> read by
/// <see cref="DockerArchiveReader"/>): each layer's uncompressed tar, hashed and sized. These are the
/// bytes a store of uncompressed layers holds, so they are the yardstick for what a save may write.
/// </summary>
internal static class EngineExport
{
    public static async Task<IReadOnlyList<DockerArchiveImage>> SaveAsync(IDockerEngine engine, IEnumerable<string> images, CancellationToken cancellationToken)
    {
        await using var archive = await engine.SaveImagesAsync(images, cancellationToken);
        var contents = await DockerArchiveReader.ReadAsync(archive, new HashEveryLayer(), cancellationToken);
        return contents.GetImages();
    }

    /// <summary>Layer tar sizes by diff id (each layer once) of <paramref name="images"/>.</summary>
    public static IReadOnlyDictionary<DiffId, long> LayerSizes(IEnumerable<DockerArchiveImage> images)
    {
        var sizes = new Dictionary<DiffId, long>();
        foreach (var layer in images.SelectMany(i => i.Layers))
        {
            sizes[layer.DiffId] = layer.File?.Size ?? throw new InvalidOperationException($"layer {layer.DiffId} was not in the export");
        }

        return sizes;
    }

    /// <summary>Lets the reader hash every layer while it drains it.</summary>
    private sealed class HashEveryLayer : IDockerArchiveSink
    {
        public ValueTask<bool> ShouldConsumeAsync(DockerArchiveEntry entry, CancellationToken cancellationToken) =>
            ValueTask.FromResult(entry.Kind is DockerArchiveEntryKind.Layer or DockerArchiveEntryKind.Blob);

        public Task ConsumeAsync(DockerArchiveEntry entry, Stream content, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
