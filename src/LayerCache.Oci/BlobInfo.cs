namespace LayerCache.Oci;

/// <summary>The digest and size of a stored blob: a descriptor without a media type.</summary>
/// <param name="Digest">The digest of the blob's bytes.</param>
/// <param name="Size">The blob's size in bytes.</param>
public readonly record struct BlobInfo(Digest Digest, long Size)
{
    /// <summary>A descriptor of this blob with the given media type.</summary>
    public Descriptor ToDescriptor(string mediaType) => new() { MediaType = mediaType, Digest = Digest, Size = Size };
}
