namespace LayerCache.Oci;

/// <summary>The digest and size of a stored blob: a descriptor without a media type.</summary>
/// <param name="Digest">The digest of the blob's bytes.</param>
/// <param name="Size">The blob's size in bytes.</param>
public readonly record struct BlobInfo(Digest Digest, long Size)
{
    /// <summary>
    /// Set by a write: true when the store already held this blob and kept its copy, so nothing new
    /// was written. Reports count only the bytes that are really new.
    /// </summary>
    public bool Existed { get; init; }

    /// <summary>A descriptor of this blob with the given media type.</summary>
    public Descriptor ToDescriptor(string mediaType) => new() { MediaType = mediaType, Digest = Digest, Size = Size };
}
