namespace LayerCache.Core.Stats;

/// <summary>One run of the history as <c>layercache stats</c> shows it (its time is the writer's claim: for display and order only).</summary>
public sealed record StatsRun(
    DateTimeOffset Time,
    string Command,
    string Scope,
    string Image,
    string? Builder,
    bool? Hit,
    string? MissReason,
    int StepsCached,
    int StepsExecuted,
    double? SecondsSaved,
    double Seconds,
    long BytesLoaded,
    long BytesWritten,
    bool Saved,
    int ExitCode);
