using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// The manifests a bridge that inflates (<see cref="IStoreBridgeHost.Inflates"/>) gives the engine: the
/// stored image with every layer named by its DiffId as a plain tar of its recorded size, so the engine
/// pulls plain tars it never inflates (as from a directory store), and records digests it can name
/// again when it pushes (<see cref="IStoreBridge.Offer"/>).
/// </summary>
public static class BridgeManifest
{
    /// <summary>
    /// Each layer of <paramref name="manifest"/> with both identities: the DiffId
    /// <paramref name="config"/> names, the stored descriptor, and the tar size <paramref name="stage"/>
    /// records for it (as an annotation of the descriptor, see <see cref="LayerRecord.TarSize"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The config does not name one DiffId per layer.</exception>
    public static IReadOnlyList<LayerRecord> Layers(StageImage stage, ImageManifest manifest, ImageConfig config)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(config);
        if (config.DiffIds.Count != manifest.Layers.Count)
        {
            throw new InvalidDataException($"stage {stage.Name}: manifest {stage.ManifestDigest} has {manifest.Layers.Count} layers but its config lists {config.DiffIds.Count}");
        }

        var layers = new List<LayerRecord>(manifest.Layers.Count);
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var stored = manifest.Layers[i];
            // The entry's record of this very blob and DiffId carries the tar size (the manifest has no room for it).
            var recorded = stage.Layers.FirstOrDefault(l => l.Stored.Digest == stored.Digest && l.Stored.Size == stored.Size && l.DiffId == config.DiffIds[i]);
            layers.Add(new LayerRecord(config.DiffIds[i], recorded is null ? stored : stored with { Annotations = recorded.Stored.Annotations }));
        }

        return layers;
    }

    /// <summary>
    /// The manifest the engine pulls from a bridge that inflates: <paramref name="manifest"/>'s config,
    /// and each layer as <see cref="MediaType.OciLayer"/> with its DiffId and tar size. Null, with the
    /// reason, when a layer cannot be served so: a compression other than gzip, or no recorded tar size
    /// (an older entry), which the engine's pull needs before the first byte.
    /// </summary>
    public static SerializedDocument? Inflated(ImageManifest manifest, IReadOnlyList<LayerRecord> layers, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(layers);
        reason = null;
        var plain = new List<Descriptor>(layers.Count);
        foreach (var layer in layers)
        {
            if ((reason = WhyNotServable(layer)) is not null)
            {
                return null;
            }

            plain.Add(new Descriptor { MediaType = MediaType.OciLayer, Digest = layer.DiffId.Digest, Size = layer.TarSize!.Value });
        }

        return OciJson.SerializeWithDigest(new ImageManifest
        {
            MediaType = MediaType.OciImageManifest,
            Config = manifest.Config,
            Layers = plain,
        });
    }

    /// <summary>
    /// Why a bridge that inflates cannot serve <paramref name="layer"/> as a plain tar, or null when it can:
    /// it must be a plain tar named by its DiffId or gzip, with a recorded tar size.
    /// </summary>
    public static string? WhyNotServable(LayerRecord layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!MediaType.TryGetLayerCompression(layer.Stored.MediaType, out var compression) || compression is not (LayerCompression.None or LayerCompression.Gzip))
        {
            return $"layer {layer.Stored.Digest} has media type \"{layer.Stored.MediaType}\"";
        }

        if (compression == LayerCompression.None && !layer.IsUncompressed)
        {
            return $"layer {layer.Stored.Digest} is a plain tar not named by its DiffId {layer.DiffId}";
        }

        return layer.TarSize is null ? $"layer {layer.Stored.Digest} has no recorded tar size (an older entry)" : null;
    }
}
