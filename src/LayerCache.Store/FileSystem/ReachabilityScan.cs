using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// The mark half of an online collection (<c>layercache serve</c>'s GC): which blobs of a directory
/// store nothing in <c>index.json</c> reaches, found without any lock. Deleting them is the caller's,
/// who must know which of them a writer is about to reference (uploads not yet referenced, a manifest
/// being pushed) and spare those; <see cref="IPrunableCacheStore.PruneAsync"/> is the offline form.
/// </summary>
public static class ReachabilityScan
{
    /// <summary>Walks <paramref name="store"/>'s index and lists its blobs.</summary>
    public static async Task<ReachabilityReport> ScanAsync(FileSystemCacheStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var blobs = (FileSystemBlobStore)store.Blobs;
        var index = await blobs.Layout.ReadIndexAsync(cancellationToken);
        var graph = new ContentGraph(blobs);
        var reachable = new HashSet<Digest>();
        foreach (var root in index.Manifests)
        {
            reachable.UnionWith((await graph.ClosureAsync(root, cancellationToken)).Keys);
        }

        var unreachable = new List<BlobInfo>();
        long count = 0, bytes = 0;
        await foreach (var blob in blobs.ListAsync(cancellationToken))
        {
            count++;
            bytes += blob.Size;
            if (!reachable.Contains(blob.Digest))
            {
                unreachable.Add(blob);
            }
        }

        return new ReachabilityReport(count, bytes, unreachable);
    }
}
