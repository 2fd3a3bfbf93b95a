using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// The second half of a prune: deletes every blob that nothing in <c>index.json</c> reaches
/// (including content other tools tagged in the layout, which stays) and stale temp files.
/// Run under the exclusive GC lock, so no writer is between writing blobs and publishing its entry.
/// </summary>
internal sealed class GarbageCollector(FileSystemBlobStore blobs, ContentGraph graph)
{
    /// <summary>How many blobs were deleted.</summary>
    public int BlobsRemoved { get; private set; }

    /// <summary>Bytes of the deleted blobs.</summary>
    public long BytesFreed { get; private set; }

    /// <summary>Bytes of the blobs that remain.</summary>
    public long BytesKept { get; private set; }

    /// <summary>Collects the blobs unreachable from <paramref name="index"/>.</summary>
    public async Task CollectAsync(ImageIndex index, CancellationToken cancellationToken)
    {
        var reachable = new HashSet<Digest>();
        foreach (var root in index.Manifests)
        {
            reachable.UnionWith((await graph.ClosureAsync(root, cancellationToken)).Keys);
        }

        await foreach (var blob in blobs.ListAsync(cancellationToken))
        {
            if (reachable.Contains(blob.Digest))
            {
                BytesKept += blob.Size;
            }
            else if (await blobs.DeleteAsync(blob.Digest, cancellationToken))
            {
                BlobsRemoved++;
                BytesFreed += blob.Size;
            }
        }
    }
}
