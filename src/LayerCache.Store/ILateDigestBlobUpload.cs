using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Optional on an <see cref="IBlobUpload"/>: the digest the content must have is named only at commit
/// (a registry client's chunked upload states it in its final <c>PUT</c>, after the bytes were sent).
/// The content is still verified before it becomes visible: a mismatch stores nothing.
/// </summary>
public interface ILateDigestBlobUpload : IBlobUpload
{
    /// <summary>
    /// Like <see cref="IBlobUpload.CommitAsync"/>, with the expectation given now. An upload begun
    /// with an expectation keeps it, and the two must agree.
    /// </summary>
    /// <exception cref="ContentVerificationException">The content is not <paramref name="expected"/> (or not <paramref name="expectedSize"/> bytes); nothing is stored.</exception>
    Task<BlobInfo> CommitAsync(Digest expected, long? expectedSize, CancellationToken cancellationToken);
}
