using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// One build stage's image in a cache entry: the stage name and its OCI image manifest. A caller
/// putting an entry sets <see cref="Name"/> and <see cref="ManifestDigest"/> (the manifest, its
/// config and layers must already be in the blob store); the store fills in the other properties
/// from the manifest, so values a caller sets there are replaced.
/// </summary>
public sealed record StageImage
{
    /// <summary>The stage name (<c>FROM … AS name</c>), or its index for an unnamed stage.</summary>
    public required string Name { get; init; }

    /// <summary>The digest of the stage's image manifest blob.</summary>
    public required Digest ManifestDigest { get; init; }

    /// <summary>The manifest's media type (filled by the store).</summary>
    public string ManifestMediaType { get; init; } = MediaType.OciImageManifest;

    /// <summary>The manifest blob's size in bytes (filled by the store).</summary>
    public long ManifestSize { get; init; }

    /// <summary>The image config digest, which is the Docker image id (filled by the store).</summary>
    public Digest ConfigDigest { get; init; }

    /// <summary>Total bytes of manifest, config and layers (filled by the store).</summary>
    public long Size { get; init; }

    /// <summary>The platform from the image config, when it names one (filled by the store).</summary>
    public Platform? Platform { get; init; }

    /// <summary>
    /// Each layer's DiffId with its stored descriptor, in layer order (filled by the store from the
    /// manifest's layers and the config's <c>rootfs.diff_ids</c>): the DiffId → stored blob index a
    /// save consults so a layer the store already has, compressed or not, is not sent again.
    /// </summary>
    public IReadOnlyList<LayerRecord> Layers { get; init; } = [];

    /// <summary>Value equality, <see cref="Layers"/> compared element by element (a record would compare the list reference).</summary>
    public bool Equals(StageImage? other) =>
        other is not null
        && Name == other.Name
        && ManifestDigest == other.ManifestDigest
        && ManifestMediaType == other.ManifestMediaType
        && ManifestSize == other.ManifestSize
        && ConfigDigest == other.ConfigDigest
        && Size == other.Size
        && Equals(Platform, other.Platform)
        && Layers.SequenceEqual(other.Layers);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, ManifestDigest, ConfigDigest, Size, Layers.Count);
}
