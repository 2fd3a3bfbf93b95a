using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Optional: deletes blobs (garbage collection). Stores that cannot (many registries refuse blob
/// deletes, or collect blobs themselves) do not implement it, and GC says it is not supported.
/// </summary>
public interface IBlobDeleter
{
    /// <summary>Removes the blob; false when it was not there.</summary>
    Task<bool> DeleteAsync(Digest digest, CancellationToken cancellationToken);
}
