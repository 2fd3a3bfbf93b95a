using LayerCache.Oci;

namespace LayerCache.Docker;

/// <summary>One image of GET /images/json.</summary>
public sealed record DockerImageSummary
{
    /// <summary>The image id.</summary>
    public required Digest Id { get; init; }

    /// <summary>The parent image, or null.</summary>
    public Digest? ParentId { get; init; }

    /// <summary>Tags pointing at the image; empty for untagged and intermediate images.</summary>
    public IReadOnlyList<string> RepoTags { get; init; } = [];

    /// <summary>Registry manifest references.</summary>
    public IReadOnlyList<string> RepoDigests { get; init; } = [];

    /// <summary>When the image was created.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>The image size in bytes.</summary>
    public long Size { get; init; }

    /// <summary>The image labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>How many containers use the image, or -1 when the engine did not count.</summary>
    public int Containers { get; init; }
}
