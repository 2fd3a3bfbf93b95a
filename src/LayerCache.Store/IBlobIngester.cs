using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Writes blobs through upload sessions. Push only if new: a caller that knows the digest calls
/// <see cref="BlobStoreExtensions.PushIfNewAsync"/>, which stats first and never opens the content
/// when the store already has it; a caller that does not know it (a layer streamed from the engine)
/// writes and the commit reports <see cref="BlobInfo.Existed"/>.
/// </summary>
public interface IBlobIngester
{
    /// <summary>
    /// Starts an upload. <paramref name="expected"/> (and <paramref name="expectedSize"/>), when given,
    /// decide the hash algorithm and are checked at commit; a store may also use them to skip or mount
    /// content it already has.
    /// </summary>
    /// <exception cref="StoreException">The store refused to start an upload (see <see cref="StoreException.Kind"/>).</exception>
    Task<IBlobUpload> BeginUploadAsync(Digest? expected, long? expectedSize, CancellationToken cancellationToken);
}
