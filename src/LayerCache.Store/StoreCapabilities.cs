namespace LayerCache.Store;

/// <summary>
/// The optional capabilities of a store (<see cref="ICacheStore.Capabilities"/>), so retention, GC and
/// verify can say "not supported by this store" rather than fail. Each flag matches an optional
/// interface the store (or its <see cref="ICacheStore.Blobs"/>, <see cref="ICacheStore.References"/>)
/// implements; <see cref="StoreCapabilityExtensions.Discover"/> derives them.
/// </summary>
[Flags]
public enum StoreCapabilities
{
    /// <summary>Only the required capabilities.</summary>
    None = 0,

    /// <summary>Blobs can be deleted (<see cref="IBlobDeleter"/>).</summary>
    DeleteBlobs = 1,

    /// <summary>Blobs can be listed (<see cref="IBlobEnumerator"/>).</summary>
    EnumerateBlobs = 2,

    /// <summary>Uploads can be resumed (<see cref="IResumableBlobIngester"/>).</summary>
    ResumeUploads = 4,

    /// <summary>Tags can be removed (<see cref="IReferenceDeleter"/>).</summary>
    DeleteReferences = 8,

    /// <summary>Entries can be pruned by a retention policy (<see cref="IPrunableCacheStore"/>).</summary>
    Prune = 16,

    /// <summary>The whole store can be checked (<see cref="IVerifiableCacheStore"/>).</summary>
    Verify = 32,

    /// <summary>An entry's last restore is recorded (<see cref="IEntryUsageRecorder"/>).</summary>
    RecordUsage = 64,

    /// <summary>Entry signatures are stored beside entries (<see cref="IEntrySignatureStore"/>).</summary>
    SignEntries = 128,
}
