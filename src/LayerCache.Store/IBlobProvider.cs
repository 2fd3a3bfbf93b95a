using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>Reads blobs. Every stream is verified: it hashes what is read and fails at the end when the bytes are not the digest's.</summary>
public interface IBlobProvider
{
    /// <summary>
    /// Opens the blob for reading. The stream throws a <see cref="ContentVerificationException"/> once
    /// the content read does not match <paramref name="digest"/> (or its stored size).
    /// </summary>
    /// <exception cref="BlobNotFoundException">The blob is not in the store.</exception>
    Task<Stream> OpenReadAsync(Digest digest, CancellationToken cancellationToken);
}
