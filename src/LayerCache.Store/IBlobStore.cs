using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Content-addressed blob storage: layers, configs, manifests and entry indexes, each stored under its
/// digest. Reads are verified against the digest; writes become visible only when complete and
/// verified, so a reader never sees a partial blob. Writers that will publish an entry should hold an
/// <see cref="ICacheStore.BeginWriteAsync"/> session so a concurrent prune does not collect their blobs.
/// </summary>
public interface IBlobStore
{
    /// <summary>True when the blob is present (not verified; see <see cref="ICacheStore.VerifyAsync"/>).</summary>
    Task<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>The blob's size in bytes, or null when it is absent.</summary>
    Task<long?> TryGetSizeAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the blob for reading. The stream hashes what is read and throws a
    /// <see cref="ContentVerificationException"/> at the end when the content does not match the digest.
    /// </summary>
    /// <exception cref="BlobNotFoundException">The blob is not in the store.</exception>
    Task<Stream> OpenReadAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>
    /// Copies <paramref name="content"/> to the end into the store (streaming, constant memory) and
    /// returns its digest and size. When <paramref name="expected"/> is given the content is hashed with
    /// its algorithm and must match it (and <paramref name="expectedSize"/>, when given); on a mismatch
    /// nothing is stored and a <see cref="ContentVerificationException"/> is thrown. Writing a blob that is
    /// already present is cheap and harmless (the present copy is kept, and <see cref="BlobInfo.Existed"/> is true).
    /// </summary>
    Task<BlobInfo> WriteAsync(Stream content, Digest? expected, long? expectedSize, CancellationToken cancellationToken);

    /// <summary>Removes the blob; false when it was not there.</summary>
    Task<bool> DeleteAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>Every blob in the store with its size, in no particular order.</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(CancellationToken cancellationToken);
}
