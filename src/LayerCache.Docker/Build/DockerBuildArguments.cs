namespace LayerCache.Docker.Build;

/// <summary>
/// The user's <c>docker build</c> flags (first-class ones and those after <c>--</c>), sorted by
/// where they go (<see cref="DockerBuildFlags"/>): every build layercache runs, or the target build only.
/// </summary>
public sealed record DockerBuildArguments
{
    /// <summary>No flags.</summary>
    public static DockerBuildArguments None { get; } = new();

    /// <summary>Flags for every build: the target's and each per-stage pass (network, secrets, platform…).</summary>
    public IReadOnlyList<string> EveryPass { get; init; } = [];

    /// <summary>Flags for the target build only (labels, outputs, --iidfile, --pull, --no-cache…).</summary>
    public IReadOnlyList<string> TargetOnly { get; init; } = [];

    /// <summary>The one platform asked for (<c>--platform</c>), or null for the engine's.</summary>
    public string? Platform { get; init; }

    /// <summary><c>-q</c> (or <c>--progress quiet</c>): docker's output is not shown and stdout is the image id.</summary>
    public bool Quiet { get; init; }

    /// <summary>True when the user chose the target's outputs (<c>--load</c>, <c>--push</c>, <c>-o</c>): layercache adds no <c>--load</c> of its own to the target build.</summary>
    public bool UserOutputs { get; init; }
}
