namespace LayerCache.Oci;

/// <summary>An image found in an archive: its config (bytes, digest, parsed) and its layers bottom first.</summary>
public sealed record DockerArchiveImage
{
    /// <summary>The manifest.json entry (synthesised from index.json for an OCI archive without manifest.json).</summary>
    public required DockerArchiveManifest Manifest { get; init; }

    /// <summary>The familiar <c>name:tag</c> references of the image, possibly empty.</summary>
    public IReadOnlyList<string> RepoTags => Manifest.RepoTags ?? [];

    /// <summary>The digest of the config bytes: the image ID.</summary>
    public required Digest ConfigDigest { get; init; }

    /// <summary>The config bytes exactly as in the archive (store these, never a re-serialization).</summary>
    public required ReadOnlyMemory<byte> ConfigContent { get; init; }

    /// <summary>The parsed config.</summary>
    public required ImageConfig Config { get; init; }

    /// <summary>The layers, bottom first, one per DiffId.</summary>
    public required IReadOnlyList<DockerArchiveLayer> Layers { get; init; }

    /// <summary>The OCI manifest descriptor from index.json, when the archive is in OCI form.</summary>
    public Descriptor? ManifestDescriptor { get; init; }
}
