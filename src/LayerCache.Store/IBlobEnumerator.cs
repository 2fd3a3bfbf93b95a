using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Optional: lists every blob of the store (GC and verify need it; the registry API has no blob list,
/// so a registry store does not implement it).
/// </summary>
public interface IBlobEnumerator
{
    /// <summary>Every blob in the store with its size, in no particular order.</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(CancellationToken cancellationToken);
}
