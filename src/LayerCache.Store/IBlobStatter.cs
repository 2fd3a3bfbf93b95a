using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Tells whether a blob is present without opening its content (a registry's <c>HEAD</c>, a file's
/// size). Cheap by contract: callers stat before every upload so content the store has is never read.
/// </summary>
public interface IBlobStatter
{
    /// <summary>The blob's digest and size when it is present (not verified), or null when it is absent.</summary>
    /// <exception cref="StoreException">The store could not answer (see <see cref="StoreException.Kind"/>).</exception>
    Task<BlobInfo?> StatAsync(Digest digest, CancellationToken cancellationToken);
}
