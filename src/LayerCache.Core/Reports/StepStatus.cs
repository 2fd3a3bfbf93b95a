namespace LayerCache.Core.Reports;

/// <summary>What happened to a step.</summary>
public enum StepStatus
{
    /// <summary>The builder reused a cached result.</summary>
    Cached,

    /// <summary>The builder ran the step.</summary>
    Executed,

    /// <summary>The step failed.</summary>
    Failed,

    /// <summary>The output did not say (e.g. a FROM line, or a builder that prints nothing for it).</summary>
    Unknown,
}
