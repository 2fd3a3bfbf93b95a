namespace LayerCache.Store;

/// <summary>What a prune did.</summary>
public sealed record PruneReport
{
    /// <summary>The entries dropped by the policy, newest first.</summary>
    public required IReadOnlyList<CacheEntry> EntriesRemoved { get; init; }

    /// <summary>Ref names of index entries dropped because their index blob was missing or unreadable.</summary>
    public required IReadOnlyList<string> BrokenEntriesRemoved { get; init; }

    /// <summary>How many entries remain.</summary>
    public required int EntriesKept { get; init; }

    /// <summary>How many unreferenced blobs were deleted.</summary>
    public required int BlobsRemoved { get; init; }

    /// <summary>Bytes of the deleted blobs.</summary>
    public required long BytesFreed { get; init; }

    /// <summary>How many stale temporary files were deleted.</summary>
    public required int TempFilesRemoved { get; init; }

    /// <summary>Total bytes of the blobs that remain.</summary>
    public required long BytesKept { get; init; }

    /// <summary>The report of a store that cannot prune (<see cref="StoreCapabilities.Prune"/> missing): nothing removed, nothing measured.</summary>
    /// <summary>What retention could not do and why, one line each (a registry that refuses deletes); empty when all went as asked.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static PruneReport NotPruned { get; } = new()
    {
        EntriesRemoved = [],
        BrokenEntriesRemoved = [],
        EntriesKept = 0,
        BlobsRemoved = 0,
        BytesFreed = 0,
        TempFilesRemoved = 0,
        BytesKept = 0,
    };
}
