namespace LayerCache.Oci;

/// <summary>A JSON document serialized once, with the digest and size of exactly those bytes.</summary>
public sealed record SerializedDocument
{
    /// <summary>Wraps serialized bytes and computes their digest.</summary>
    public SerializedDocument(string mediaType, ReadOnlyMemory<byte> content)
    {
        ArgumentNullException.ThrowIfNull(mediaType);
        MediaType = mediaType;
        Content = content;
        Digest = Digest.Compute(content.Span);
    }

    /// <summary>The document's media type.</summary>
    public string MediaType { get; }

    /// <summary>The serialized bytes (UTF-8 JSON).</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The sha256 digest of <see cref="Content"/>.</summary>
    public Digest Digest { get; }

    /// <summary>The byte count of <see cref="Content"/>.</summary>
    public long Size => Content.Length;

    /// <summary>A descriptor of this document.</summary>
    public Descriptor ToDescriptor(Platform? platform = null, IReadOnlyDictionary<string, string>? annotations = null) => new()
    {
        MediaType = MediaType,
        Digest = Digest,
        Size = Size,
        Platform = platform,
        Annotations = annotations,
    };
}
