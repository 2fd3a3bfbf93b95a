using LayerCache.Oci;

namespace LayerCache.Registry.Client;

/// <summary>A manifest or index as the registry served it: its descriptor (digest verified) and its exact bytes.</summary>
/// <param name="Descriptor">Media type, digest and size of <paramref name="Content"/>.</param>
/// <param name="Content">The document's bytes (at most <see cref="DocumentReader.MaxSize"/>).</param>
public sealed record RegistryManifest(Descriptor Descriptor, ReadOnlyMemory<byte> Content)
{
    /// <summary>True when this is an image index or Docker manifest list.</summary>
    public bool IsIndex => MediaType.IsIndex(Descriptor.MediaType);

    /// <summary>True when this is an image manifest (OCI or Docker schema 2).</summary>
    public bool IsManifest => MediaType.IsManifest(Descriptor.MediaType);

    /// <summary>The content as an image manifest.</summary>
    /// <exception cref="OciFormatException">It is not one.</exception>
    public ImageManifest AsManifest() => OciJson.DeserializeManifest(Content.Span, $"manifest {Descriptor.Digest}");

    /// <summary>The content as an image index.</summary>
    /// <exception cref="OciFormatException">It is not one.</exception>
    public ImageIndex AsIndex() => OciJson.DeserializeIndex(Content.Span, $"index {Descriptor.Digest}");
}
