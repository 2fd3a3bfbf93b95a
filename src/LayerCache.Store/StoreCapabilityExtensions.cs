namespace LayerCache.Store;

/// <summary>Derives <see cref="StoreCapabilities"/> from the interfaces a store implements.</summary>
public static class StoreCapabilityExtensions
{
    /// <summary>The optional capabilities <paramref name="store"/> has, read off its types.</summary>
    public static StoreCapabilities Discover(this ICacheStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var found = StoreCapabilities.None;
        found |= store.Blobs is IBlobDeleter ? StoreCapabilities.DeleteBlobs : 0;
        found |= store.Blobs is IBlobEnumerator ? StoreCapabilities.EnumerateBlobs : 0;
        found |= store.Blobs is IResumableBlobIngester ? StoreCapabilities.ResumeUploads : 0;
        found |= store.References is IReferenceDeleter ? StoreCapabilities.DeleteReferences : 0;
        found |= store is IPrunableCacheStore ? StoreCapabilities.Prune : 0;
        found |= store is IVerifiableCacheStore ? StoreCapabilities.Verify : 0;
        found |= store is IEntryUsageRecorder ? StoreCapabilities.RecordUsage : 0;
        found |= store is IEntrySignatureStore ? StoreCapabilities.SignEntries : 0;
        return found;
    }

    /// <summary>True when <paramref name="store"/> has every capability in <paramref name="needed"/>.</summary>
    public static bool Has(this ICacheStore store, StoreCapabilities needed)
    {
        ArgumentNullException.ThrowIfNull(store);
        return (store.Capabilities & needed) == needed;
    }
}
