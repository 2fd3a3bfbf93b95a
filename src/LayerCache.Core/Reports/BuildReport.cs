namespace LayerCache.Core.Reports;

/// <summary>What the builds did, stage by stage and step by step.</summary>
public sealed record BuildReport
{
    /// <summary><c>classic</c> or <c>buildkit</c>.</summary>
    public required string Builder { get; init; }

    /// <summary>Why docker uses this builder (DOCKER_BUILDKIT, the CLI's version, its buildx plugin).</summary>
    public string? BuilderReason { get; init; }

    /// <summary>The target image's id (<c>sha256:…</c>), when the build succeeded.</summary>
    public string? ImageId { get; init; }

    /// <summary>
    /// The target image's manifest digest (<c>sha256:…</c>), when it has one: pushed (docker's own
    /// metadata file says so) or with a repository digest in the engine. An image only built locally has none.
    /// </summary>
    public string? ImageDigest { get; init; }

    /// <summary>The target image's repository digests in the engine (<c>name@sha256:…</c>).</summary>
    public IReadOnlyList<string> RepoDigests { get; init; } = [];

    /// <summary>The exit code of the failing docker build, or 0.</summary>
    public int ExitCode { get; init; }

    /// <summary>The build's own error, when it failed.</summary>
    public string? Error { get; init; }

    /// <summary>Wall time of all builds.</summary>
    public double Seconds { get; init; }

    /// <summary>Per stage, in build order.</summary>
    public IReadOnlyList<StageBuildReport> Stages { get; init; } = [];

    /// <summary>Steps that hit the cache.</summary>
    public int StepsCached => Stages.Sum(s => s.Steps.Count(t => t.Status == StepStatus.Cached));

    /// <summary>Steps that ran.</summary>
    public int StepsExecuted => Stages.Sum(s => s.Steps.Count(t => t.Status == StepStatus.Executed));

    /// <summary>Seconds the cached steps took when they last ran (from the restored entry), if known.</summary>
    public double? SecondsSaved { get; init; }
}
