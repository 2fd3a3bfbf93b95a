using LayerCache.Oci;

namespace LayerCache.Docker;

/// <summary>An image as the engine describes it (GET /images/{name}/json), with typed digests.</summary>
public sealed record DockerImage
{
    /// <summary>The image id: the digest of its config.</summary>
    public required Digest Id { get; init; }

    /// <summary>Tags pointing at the image, e.g. <c>busybox:latest</c>.</summary>
    public IReadOnlyList<string> RepoTags { get; init; } = [];

    /// <summary>Registry manifest references, e.g. <c>registry/app@sha256:…</c>, known after a push or pull.</summary>
    public IReadOnlyList<string> RepoDigests { get; init; } = [];

    /// <summary>The parent image (classic builder's previous step), or null (loaded, pulled or BuildKit images).</summary>
    public Digest? Parent { get; init; }

    /// <summary>When the image was created.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>The image size in bytes, all layers included.</summary>
    public long Size { get; init; }

    /// <summary>The image's OS.</summary>
    public string? Os { get; init; }

    /// <summary>The image's CPU architecture.</summary>
    public string? Architecture { get; init; }

    /// <summary>The uncompressed layer digests (diff ids), base layer first.</summary>
    public IReadOnlyList<Digest> Layers { get; init; } = [];

    /// <summary>The image config's labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The image config's environment, <c>KEY=value</c>.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>The image config's default command.</summary>
    public IReadOnlyList<string> Cmd { get; init; } = [];

    /// <summary>The image config's entrypoint.</summary>
    public IReadOnlyList<string> Entrypoint { get; init; } = [];

    /// <summary>The image config's working directory.</summary>
    public string? WorkingDir { get; init; }
}
