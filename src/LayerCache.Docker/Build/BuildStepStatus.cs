namespace LayerCache.Docker.Build;

/// <summary>What happened to one build step.</summary>
public enum BuildStepStatus
{
    /// <summary>The output ended before the step finished (a cancelled build, or one still running).</summary>
    Incomplete,

    /// <summary>The builder reused a cached result.</summary>
    Cached,

    /// <summary>The builder ran the step.</summary>
    Executed,

    /// <summary>The step failed the build.</summary>
    Failed,
}
