namespace LayerCache.Store;

/// <summary>The result of <see cref="IVerifiableCacheStore.VerifyAsync"/>.</summary>
public sealed record VerifyReport
{
    /// <summary>How many blobs were re-hashed.</summary>
    public required int BlobsChecked { get; init; }

    /// <summary>How many bytes were re-hashed.</summary>
    public required long BytesChecked { get; init; }

    /// <summary>How many entries the index lists.</summary>
    public required int EntriesChecked { get; init; }

    /// <summary>Every bad or missing blob, ordered by digest.</summary>
    public required IReadOnlyList<BlobProblem> Problems { get; init; }

    /// <summary>
    /// Ref names of index entries (and stage aliases) that cannot be restored in full because a blob
    /// they need is missing, corrupt or invalid, ordered.
    /// </summary>
    public required IReadOnlyList<string> BrokenEntries { get; init; }

    /// <summary>Blobs no index entry reaches (left by an interrupted save or an unfinished prune); not a problem, a prune deletes them.</summary>
    public required int UnreferencedBlobs { get; init; }

    /// <summary>True when nothing is wrong.</summary>
    public bool IsClean => Problems.Count == 0 && BrokenEntries.Count == 0;
}
