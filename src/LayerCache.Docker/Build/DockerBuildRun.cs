namespace LayerCache.Docker.Build;

/// <summary>The outcome of one <c>docker build</c>: its exit code, parsed steps and wall time.</summary>
public sealed record DockerBuildRun(int ExitCode, BuildOutput Output, TimeSpan Duration)
{
    /// <summary>True when docker exited 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
