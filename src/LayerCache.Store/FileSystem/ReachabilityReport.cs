using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>What <see cref="ReachabilityScan.ScanAsync"/> found: every blob counted, and those nothing references.</summary>
/// <param name="BlobCount">Blobs in the store.</param>
/// <param name="BlobBytes">Their total size.</param>
/// <param name="Unreachable">Blobs no reference in the index reaches (candidates for collection).</param>
public sealed record ReachabilityReport(long BlobCount, long BlobBytes, IReadOnlyList<BlobInfo> Unreachable);
