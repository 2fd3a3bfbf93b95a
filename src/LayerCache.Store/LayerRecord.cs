using System.Globalization;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// One layer of a stage image with both of its identities: the <see cref="DiffId"/> (digest of the
/// uncompressed tar, what the engine and the image config know) and the stored blob's descriptor
/// (digest of the bytes as stored, compressed per <see cref="BlobPolicy.LayerCompression"/>, what a
/// manifest and the blob store know). Equal digests when the store keeps layers uncompressed; never
/// interchangeable in code.
/// </summary>
/// <param name="DiffId">The digest of the uncompressed layer tar.</param>
/// <param name="Stored">The layer blob as stored: digest, size and media type (which tells the compression).</param>
public sealed record LayerRecord(DiffId DiffId, Descriptor Stored)
{
    /// <summary>True when the stored blob is the uncompressed tar itself.</summary>
    public bool IsUncompressed => Stored.Digest == DiffId.Digest;

    /// <summary>
    /// The size of the layer's tar (what the engine sends and counts in an image's size): an uncompressed
    /// layer's own size, a compressed one's as its descriptor records it (<see cref="StoreAnnotations.LayerTarSize"/>);
    /// null when it records none (an older entry). A recorded size is the writer's word: whoever relies
    /// on it must find the content bears it out.
    /// </summary>
    public long? TarSize =>
        IsUncompressed ? Stored.Size
        : long.TryParse(Stored.GetAnnotation(StoreAnnotations.LayerTarSize), NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size
        : null;
}
