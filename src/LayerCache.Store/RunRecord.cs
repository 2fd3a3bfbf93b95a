namespace LayerCache.Store;

/// <summary>
/// One run as the history keeps it: what it restored (or why not), what the build took from the cache,
/// the bytes it moved. Read back as untrusted input: <see cref="Time"/> is for display and sorting only.
/// </summary>
public sealed record RunRecord
{
    /// <summary>The record format; a line of another version is skipped.</summary>
    public int V { get; init; } = FileRunHistory.FormatVersion;

    /// <summary>When the run ended (the writer's clock: for display and sorting, never for decisions).</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary><c>build</c>, <c>restore</c> or <c>save</c>.</summary>
    public required string Command { get; init; }

    /// <summary>The scope the run wrote (or would have).</summary>
    public required string Scope { get; init; }

    /// <summary>The image identity: Dockerfile (relative to the context), target and platform.</summary>
    public required string Image { get; init; }

    /// <summary><c>classic</c> or <c>buildkit</c>, when a build ran.</summary>
    public string? Builder { get; init; }

    /// <summary>True when a restore loaded an entry, false when it missed, null when none ran.</summary>
    public bool? Hit { get; init; }

    /// <summary>Why the restore missed (its first reason), when it did.</summary>
    public string? MissReason { get; init; }

    /// <summary>Steps the builder took from its cache.</summary>
    public int StepsCached { get; init; }

    /// <summary>Steps the builder ran.</summary>
    public int StepsExecuted { get; init; }

    /// <summary>Seconds the cached steps took when they last ran, if known.</summary>
    public double? SecondsSaved { get; init; }

    /// <summary>Seconds of the restore, build and save together.</summary>
    public double Seconds { get; init; }

    /// <summary>Bytes of layers the restore sent to the engine.</summary>
    public long BytesLoaded { get; init; }

    /// <summary>Bytes the save wrote to the store.</summary>
    public long BytesWritten { get; init; }

    /// <summary>True when the save wrote a new entry.</summary>
    public bool Saved { get; init; }

    /// <summary>The run's exit code (the build's own).</summary>
    public int ExitCode { get; init; }
}
