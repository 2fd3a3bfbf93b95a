using LayerCache.Docker;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// Saves a stage image by letting the engine push it to the bridge: the engine asks the store for
/// each layer it knows a digest of (a layer it pulled through the bridge earlier in the run:
/// <see cref="StagePuller"/>) and sends only the others, gzip-compressed. So a source change costs the new layers, not an
/// export of the whole image. What arrives (in the store itself, or in the spool of a bridge that
/// inflates: <see cref="IStoreBridge.Pushed"/>) is then made the store's own: each new gzip layer is
/// inflated (verified against its DiffId, bounded) and ingested as the store keeps layers (a plain tar
/// in a directory, gzip in a registry), and the stage's manifest is written as the archive transport
/// writes it. The engine's own manifest and gzip copies are referenced by nothing: the prune after the
/// save collects them from a directory store, and a spool goes with its bridge.
/// </summary>
internal static class StagePusher
{
    /// <summary>
    /// Rates of the two transports, from <c>bench/</c> on a 2-core runner (dockerd 20.10): <c>docker
    /// save</c> exports and layercache hashes about 100 MB/s of image; a push gzips and sends new
    /// layers at about 25 MB/s and layercache inflates them. Only their ratio matters to the choice.
    /// </summary>
    internal const double ExportBytesPerSecond = 100e6;

    /// <inheritdoc cref="ExportBytesPerSecond"/>
    internal const double PushBytesPerSecond = 25e6;

    /// <summary>
    /// True when pushing <paramref name="imageBytes"/> of image, of which <paramref name="pushBytes"/>
    /// would be compressed and sent (new layers, and stored layers the engine knows no digest of), is
    /// expected to be faster than exporting it all. The fixed costs (a push's round trips, an export's)
    /// are about equal, tenths of a second, so only the bytes decide: on a small image, where neither
    /// costs anything, the push moves fewer of them.
    /// </summary>
    internal static bool PushIsFaster(long imageBytes, long pushBytes) =>
        pushBytes / PushBytesPerSecond < imageBytes / ExportBytesPerSecond;

    /// <summary>
    /// Pushes <paramref name="stage"/>'s image through <paramref name="bridge"/> and adopts what
    /// arrived into <paramref name="store"/>; returns the image's config and DiffIds for the manifest.
    /// </summary>
    /// <exception cref="DockerEngineException">The engine could not push (the caller exports instead).</exception>
    public static async Task<(byte[] Config, ImageConfig Parsed)> PushAsync(
        IDockerEngine engine, ICacheStore store, IStoreBridge bridge, StageSource stage, int number, LayerIndex index, ExportResult result, CancellationToken cancellationToken)
    {
        var tag = $"save-{number}";
        var reference = $"{bridge.Repository}:{tag}";
        await engine.TagImageAsync(stage.Image.Id.Value, reference, cancellationToken);
        try
        {
            await engine.PushImageAsync(reference, StagePuller.Credentials(bridge), null, cancellationToken);
        }
        finally
        {
            // Only the name goes: the image keeps its stage tag.
            await engine.RemoveImageAsync(reference, force: false, CancellationToken.None);
        }

        var pushed = await bridge.ResolveTagAsync(tag, cancellationToken)
            ?? throw new InvalidDataException($"stage {stage.Stage}: the engine's push left no manifest in the bridge");
        var manifest = OciJson.DeserializeManifest(await ReadSmallAsync(bridge.Pushed, pushed.Digest, cancellationToken), pushed.Digest.Value);
        if (manifest.Config.Digest != stage.Image.Id)
        {
            throw new InvalidDataException($"stage {stage.Stage}: the engine pushed config {manifest.Config.Digest}, not image {stage.Image.Id}");
        }

        var configBytes = await ReadSmallAsync(bridge.Pushed, manifest.Config.Digest, cancellationToken);
        var config = OciJson.DeserializeConfig(configBytes, manifest.Config.Digest.Value);
        if (config.DiffIds.Count != manifest.Layers.Count)
        {
            throw new InvalidDataException($"stage {stage.Stage}: the pushed manifest has {manifest.Layers.Count} layers but its config lists {config.DiffIds.Count}");
        }

        for (var i = 0; i < config.DiffIds.Count; i++)
        {
            var diffId = config.DiffIds[i];
            var layer = manifest.Layers[i];
            if (await index.FindAsync(diffId, cancellationToken) is not null)
            {
                // Stored already (and, when the engine knew no digest of it, sent again compressed: a leftover).
                continue;
            }

            var plain = layer.Digest == diffId.Digest;
            if (plain && ReferenceEquals(bridge.Pushed, store.Blobs) && store.Policy.LayerCompression == LayerCompression.None)
            {
                // Sent as the plain tar it is (the engine labels every layer gzip; the content says otherwise), and stored as such.
                index.Add(new LayerRecord(diffId, new Descriptor { MediaType = MediaType.OciLayer, Digest = layer.Digest, Size = layer.Size }));
                continue;
            }

            await using (var blob = await bridge.Pushed.OpenReadAsync(layer.Digest, cancellationToken))
            await using (var verified = new VerifyingStream(blob, layer.Digest, layer.Size, "blob " + layer.Digest, leaveOpen: true))
            await using (Stream tar = plain
                ? new LayerContentGuardStream(verified, layer.Digest, "blob " + layer.Digest, leaveOpen: true)
                : new InflatedLayerStream(verified, layer.Digest, diffId, StageImageLoader.InflationBound(layer.Size), leaveOpen: true))
            {
                var ingested = await LayerIngester.IngestAsync(store.Blobs, store.Policy.LayerCompression, tar, diffId, null, cancellationToken);
                index.Add(ingested.Layer);
                if (!ingested.Existed)
                {
                    result.NewBlobs[diffId.Digest] = ingested.Layer.Stored.Size;
                }
            }
        }

        return (configBytes, config);
    }

    private static async Task<byte[]> ReadSmallAsync(IBlobProvider blobs, Digest digest, CancellationToken cancellationToken)
    {
        await using var stream = await blobs.OpenReadAsync(digest, cancellationToken);
        return await DocumentReader.ReadAsync(stream, digest.Value, cancellationToken);
    }
}
