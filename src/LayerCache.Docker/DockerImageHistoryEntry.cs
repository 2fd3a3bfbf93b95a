using LayerCache.Oci;

namespace LayerCache.Docker;

/// <summary>One step of an image's history (GET /images/{name}/history), newest first.</summary>
public sealed record DockerImageHistoryEntry
{
    /// <summary>The image id of this step, or null when the engine does not have it (<c>&lt;missing&gt;</c>).</summary>
    public Digest? Id { get; init; }

    /// <summary>When the step was created.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>The instruction that created the step, as recorded by the builder.</summary>
    public string CreatedBy { get; init; } = string.Empty;

    /// <summary>Tags on this step's image.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The size the step added, in bytes.</summary>
    public long Size { get; init; }

    /// <summary>The step's comment.</summary>
    public string Comment { get; init; } = string.Empty;
}
