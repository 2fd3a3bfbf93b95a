namespace LayerCache.Oci;

/// <summary>One layer of a <see cref="DockerArchiveImage"/>.</summary>
public sealed record DockerArchiveLayer
{
    /// <summary>The path listed in manifest.json (or the blob path of an OCI manifest's layer).</summary>
    public required string Path { get; init; }

    /// <summary><see cref="Path"/> with symlinks and hard links followed.</summary>
    public required string ResolvedPath { get; init; }

    /// <summary>The layer's DiffId from the image config.</summary>
    public required DiffId DiffId { get; init; }

    /// <summary>True when the archive holds a file for this layer (Docker omits none; our own writer may).</summary>
    public required bool IsPresent { get; init; }

    /// <summary>Digest and size of the layer file's bytes, when the reader hashed it (the sink consumed it).</summary>
    public BlobInfo? File { get; init; }

    /// <summary>The layer media type, when the archive is in OCI form; null for the classic form (an uncompressed tar).</summary>
    public string? MediaType { get; init; }

    /// <summary>True when the file was hashed and is exactly the uncompressed layer (digest equals the DiffId).</summary>
    public bool IsVerifiedUncompressed => File is { } file && file.Digest == DiffId.Digest;
}
