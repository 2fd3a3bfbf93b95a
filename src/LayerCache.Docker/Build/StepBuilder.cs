namespace LayerCache.Docker.Build;

/// <summary>The mutable state of one step while its output is still arriving.</summary>
internal sealed class StepBuilder
{
    public string? Stage { get; set; }

    public int? StageIndex { get; set; }

    public int Number { get; set; }

    public int Total { get; set; }

    public string Instruction { get; set; } = string.Empty;

    public BuildStepStatus Status { get; set; }

    public string? ImageId { get; set; }

    public int? Vertex { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public TimeSpan? Duration { get; set; }

    public List<string> Output { get; } = [];

    public string? Error { get; set; }

    /// <summary>Raises the status; never lowers it (failed beats executed beats cached), so a step is never over-reported as a cache hit.</summary>
    public void Raise(BuildStepStatus status)
    {
        if (status > Status)
        {
            Status = status;
        }
    }

    public BuildStepResult ToResult() => new()
    {
        Stage = Stage,
        StageIndex = StageIndex,
        Number = Number,
        Total = Total,
        Instruction = Instruction,
        Status = Status,
        ImageId = ImageId,
        Vertex = Vertex,
        Duration = Duration,
        Output = Output.ToArray(),
        Error = Error,
    };
}
