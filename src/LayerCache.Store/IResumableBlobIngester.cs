using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Optional: an ingester whose upload sessions survive a broken connection (a registry's chunked
/// upload). A store that offers it implements this beside <see cref="IBlobIngester"/> on its
/// <see cref="ICacheStore.Blobs"/>; the directory store does not (a local copy is simply redone).
/// </summary>
public interface IResumableBlobIngester : IBlobIngester
{
    /// <summary>
    /// Reopens the upload <paramref name="uploadId"/> (an <see cref="IBlobUpload.Id"/>) at the offset the
    /// store holds; the caller continues with its content from <see cref="IBlobUpload.Offset"/>. The
    /// digest is required, because the hash of the part already sent is the store's, not the caller's.
    /// </summary>
    /// <exception cref="StoreException">The session is gone (<see cref="StoreErrorKind.NotFound"/>): start over.</exception>
    Task<IBlobUpload> ResumeUploadAsync(string uploadId, Digest expected, long? expectedSize, CancellationToken cancellationToken);
}
