namespace LayerCache.Oci;

/// <summary>A regular file in an archive, as offered to an <see cref="IDockerArchiveSink"/>.</summary>
public sealed record DockerArchiveEntry
{
    /// <summary>The entry path, normalised: forward slashes, no leading <c>./</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The size from the tar header.</summary>
    public required long Size { get; init; }

    /// <summary>What the path says the entry is.</summary>
    public required DockerArchiveEntryKind Kind { get; init; }

    /// <summary>
    /// For <see cref="DockerArchiveEntryKind.Blob"/> entries, the digest the path names. The content
    /// handed to the sink is verified against it (a mismatch throws <see cref="DigestMismatchException"/>).
    /// </summary>
    public Digest? BlobDigest { get; init; }
}
