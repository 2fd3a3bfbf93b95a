namespace LayerCache.Docker.Build;

/// <summary>
/// One step of a build as its output reported it. The classic builder numbers steps across the whole
/// Dockerfile (<c>Step 7/10</c>) and reports every instruction; BuildKit numbers them within a stage
/// (<c>[final 2/3]</c>) and reports only the steps that produce filesystem state (FROM, RUN, COPY,
/// ADD, WORKDIR), not metadata-only ones such as LABEL or CMD.
/// </summary>
public sealed record BuildStepResult
{
    /// <summary>The stage name: the classic builder's <c>AS name</c>, BuildKit's stage label (<c>stage-1</c> when unnamed); null for an unnamed stage.</summary>
    public string? Stage { get; init; }

    /// <summary>The 0-based stage index, when the output tells it (always for classic, for BuildKit only from a <c>stage-N</c> label or a single-stage build).</summary>
    public int? StageIndex { get; init; }

    /// <summary>The step number as printed: classic across the file, BuildKit within the stage.</summary>
    public int Number { get; init; }

    /// <summary>The step total as printed.</summary>
    public int Total { get; init; }

    /// <summary>The instruction text as printed, e.g. <c>RUN make</c>.</summary>
    public required string Instruction { get; init; }

    /// <summary>Cached, executed, failed or incomplete.</summary>
    public BuildStepStatus Status { get; init; }

    /// <summary>True when the builder reused a cached result.</summary>
    public bool Cached => Status == BuildStepStatus.Cached;

    /// <summary>True for a FROM step (the base image of a stage).</summary>
    public bool IsFrom => Instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase);

    /// <summary>The classic builder's resulting (short) image id, e.g. <c>1a2b3c4d5e6f</c>; null for BuildKit.</summary>
    public string? ImageId { get; init; }

    /// <summary>BuildKit's vertex number (<c>#5</c>); null for classic.</summary>
    public int? Vertex { get; init; }

    /// <summary>
    /// How long the step took: BuildKit's own <c>DONE 1.2s</c> (zero for a cache hit), else measured from
    /// line arrival times; null when the output was parsed without times.
    /// </summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The step's own output lines (e.g. what a RUN printed).</summary>
    public IReadOnlyList<string> Output { get; init; } = [];

    /// <summary>The error the step failed with, or null.</summary>
    public string? Error { get; init; }
}
