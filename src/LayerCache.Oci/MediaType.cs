namespace LayerCache.Oci;

/// <summary>Media types of the OCI image spec and Docker image manifest v2 schema 2, and how to classify them.</summary>
public static class MediaType
{
    /// <summary>OCI image manifest.</summary>
    public const string OciImageManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>OCI image index.</summary>
    public const string OciImageIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>OCI image config.</summary>
    public const string OciImageConfig = "application/vnd.oci.image.config.v1+json";

    /// <summary>OCI uncompressed layer.</summary>
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";

    /// <summary>OCI gzip layer.</summary>
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>OCI zstd layer.</summary>
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

    /// <summary>OCI non-distributable uncompressed layer (deprecated by the spec, still met).</summary>
    public const string OciLayerNondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar";

    /// <summary>OCI non-distributable gzip layer.</summary>
    public const string OciLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

    /// <summary>OCI non-distributable zstd layer.</summary>
    public const string OciLayerNondistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

    /// <summary>The OCI empty descriptor's media type (content <c>{}</c>).</summary>
    public const string OciEmpty = "application/vnd.oci.empty.v1+json";

    /// <summary>The <c>oci-layout</c> file of an image layout.</summary>
    public const string OciLayoutHeader = "application/vnd.oci.layout.header.v1+json";

    /// <summary>Docker image manifest v2 schema 2.</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>Docker manifest list (the Docker counterpart of an image index).</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>Docker image config.</summary>
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";

    /// <summary>Docker gzip layer.</summary>
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /// <summary>Docker uncompressed layer (written by BuildKit and containerd; not in the original schema 2 text).</summary>
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";

    /// <summary>Docker foreign (non-distributable, fetched from <c>urls</c>) gzip layer.</summary>
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /// <summary>True for an image manifest (OCI or Docker schema 2).</summary>
    public static bool IsManifest(string? mediaType) => mediaType is OciImageManifest or DockerManifest;

    /// <summary>True for an index (OCI image index or Docker manifest list).</summary>
    public static bool IsIndex(string? mediaType) => mediaType is OciImageIndex or DockerManifestList;

    /// <summary>True for an image config (OCI or Docker).</summary>
    public static bool IsConfig(string? mediaType) => mediaType is OciImageConfig or DockerConfig;

    /// <summary>True for any layer media type this library knows (distributable or not).</summary>
    public static bool IsLayer(string? mediaType) => mediaType is not null && TryGetLayerCompression(mediaType, out _);

    /// <summary>True for a foreign / non-distributable layer, which registries may refuse to store.</summary>
    public static bool IsNondistributable(string? mediaType) =>
        mediaType is OciLayerNondistributable or OciLayerNondistributableGzip or OciLayerNondistributableZstd or DockerForeignLayerGzip;

    /// <summary>The compression of a layer media type.</summary>
    /// <exception cref="ArgumentException">Not a known layer media type.</exception>
    public static LayerCompression GetLayerCompression(string mediaType) =>
        TryGetLayerCompression(mediaType, out var compression)
            ? compression
            : throw new ArgumentException($"\"{mediaType}\" is not a known layer media type", nameof(mediaType));

    /// <summary>The compression of a layer media type, without throwing.</summary>
    public static bool TryGetLayerCompression(string mediaType, out LayerCompression compression)
    {
        switch (mediaType)
        {
            case OciLayer or OciLayerNondistributable or DockerLayer:
                compression = LayerCompression.None;
                return true;
            case OciLayerGzip or OciLayerNondistributableGzip or DockerLayerGzip or DockerForeignLayerGzip:
                compression = LayerCompression.Gzip;
                return true;
            case OciLayerZstd or OciLayerNondistributableZstd:
                compression = LayerCompression.Zstd;
                return true;
            default:
                compression = LayerCompression.None;
                return false;
        }
    }

    /// <summary>
    /// The layer media type that matches a manifest's family: Docker schema 2 manifests use the Docker
    /// layer types, everything else the OCI ones. Docker schema 2 has no zstd type.
    /// </summary>
    public static string LayerFor(LayerCompression compression, bool docker) => (compression, docker) switch
    {
        (LayerCompression.None, false) => OciLayer,
        (LayerCompression.Gzip, false) => OciLayerGzip,
        (LayerCompression.Zstd, false) => OciLayerZstd,
        (LayerCompression.None, true) => DockerLayer,
        (LayerCompression.Gzip, true) => DockerLayerGzip,
        _ => throw new ArgumentException("Docker schema 2 has no zstd layer media type", nameof(compression)),
    };
}
