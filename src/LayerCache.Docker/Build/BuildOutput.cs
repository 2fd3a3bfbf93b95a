namespace LayerCache.Docker.Build;

/// <summary>Everything a build's output told: per-step results, the final image and tags, or the error.</summary>
public sealed record BuildOutput
{
    /// <summary>The builder that produced the output.</summary>
    public BuilderKind Builder { get; init; }

    /// <summary>The steps, stage by stage, in step-number order within each stage.</summary>
    public IReadOnlyList<BuildStepResult> Steps { get; init; } = [];

    /// <summary>The built image: a short id for classic (<c>Successfully built 1a2b3c4d5e6f</c>), <c>sha256:…</c> for BuildKit.</summary>
    public string? ImageId { get; init; }

    /// <summary>The tags the build applied.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The build's error message, or null.</summary>
    public string? Error { get; init; }

    /// <summary>True when the build produced an image and reported no error.</summary>
    public bool Succeeded => Error is null && ImageId is not null;

    /// <summary>The number of steps served from cache.</summary>
    public int CachedSteps => Steps.Count(s => s.Status == BuildStepStatus.Cached);

    /// <summary>The number of steps the builder ran.</summary>
    public int ExecutedSteps => Steps.Count(s => s.Status == BuildStepStatus.Executed);
}
