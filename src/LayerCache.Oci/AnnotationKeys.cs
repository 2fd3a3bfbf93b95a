namespace LayerCache.Oci;

/// <summary>Well-known annotation keys.</summary>
public static class AnnotationKeys
{
    /// <summary>The name of a manifest in an image layout's <c>index.json</c> (usually the tag).</summary>
    public const string RefName = "org.opencontainers.image.ref.name";

    /// <summary>The full image name (containerd, Docker 25+ save), e.g. <c>docker.io/library/app:1</c>.</summary>
    public const string ImageName = "io.containerd.image.name";

    /// <summary>Creation time of the artifact (RFC 3339).</summary>
    public const string Created = "org.opencontainers.image.created";

    /// <summary>The base image's name.</summary>
    public const string BaseName = "org.opencontainers.image.base.name";

    /// <summary>The base image's manifest digest.</summary>
    public const string BaseDigest = "org.opencontainers.image.base.digest";
}
