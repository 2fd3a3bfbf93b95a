namespace LayerCache.Docker.Build;

/// <summary>What layercache does with a <c>docker build</c> flag.</summary>
public enum DockerFlagTreatment
{
    /// <summary>
    /// Goes to every build layercache runs (the target build and each per-stage pass): it changes
    /// what a step produces or whether it can run (build args, secret and ssh mounts, network,
    /// platform, resources a RUN needs), so a pass without it would build something else.
    /// </summary>
    EveryPass,

    /// <summary>
    /// Goes to the target build only, with docker's meaning for the user's image (labels, outputs,
    /// --iidfile, --pull, --no-cache, attestations); per-stage passes never see it.
    /// </summary>
    TargetOnly,

    /// <summary>
    /// Refused after <c>--</c>: it would change the plan layercache computed (the Dockerfile, the
    /// target, the build args in FROM lines, the stages' tags); the first-class flag does the job.
    /// </summary>
    Refused,
}
