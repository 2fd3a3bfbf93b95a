using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// One blob being written (a registry's upload session, a temp file of the directory store). Content
/// is appended with <see cref="WriteAsync"/>, hashed on the way, and becomes visible under its digest
/// only at <see cref="CommitAsync"/>, after it was verified; a reader never sees a partial blob.
/// Disposing an upload that was not committed cancels it (best effort: a backend may keep the partial
/// content until its own cleanup, never under the blob's digest).
/// </summary>
public interface IBlobUpload : IAsyncDisposable
{
    /// <summary>
    /// The session's identity in the store: a resume token for <see cref="IResumableBlobIngester"/>
    /// (a registry's upload location); opaque, and only meaningful to the store that issued it.
    /// </summary>
    string Id { get; }

    /// <summary>Bytes accepted so far; a resumed upload continues with the content from this offset.</summary>
    long Offset { get; }

    /// <summary>Appends <paramref name="content"/>, read to its end (streaming, constant memory), to the upload.</summary>
    /// <exception cref="StoreException">The backend refused or lost the content (see <see cref="StoreException.Kind"/>); the upload cannot continue unless it is resumable.</exception>
    Task WriteAsync(Stream content, CancellationToken cancellationToken);

    /// <summary>
    /// Finishes the upload: the content must match the expectation given when the upload began (digest
    /// and size), else nothing is stored and a <see cref="ContentVerificationException"/> is thrown.
    /// Returns the blob's digest and size; <see cref="BlobInfo.Existed"/> is true when the store
    /// already held that blob and kept its copy.
    /// </summary>
    Task<BlobInfo> CommitAsync(CancellationToken cancellationToken);

    /// <summary>Abandons the upload and frees what it holds. Harmless after a commit or a cancel.</summary>
    Task CancelAsync(CancellationToken cancellationToken);
}
