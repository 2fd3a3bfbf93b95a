namespace LayerCache.Docker;

/// <summary>The engine's version report (GET /version).</summary>
public sealed record DockerVersion
{
    /// <summary>The engine release, e.g. <c>20.10.24+dfsg1</c>.</summary>
    public required string Version { get; init; }

    /// <summary>The highest API version the engine speaks.</summary>
    public required string ApiVersion { get; init; }

    /// <summary>The lowest API version the engine accepts.</summary>
    public string? MinApiVersion { get; init; }

    /// <summary>The engine's source commit.</summary>
    public string? GitCommit { get; init; }

    /// <summary>The Go version the engine was built with.</summary>
    public string? GoVersion { get; init; }

    /// <summary>The engine's OS.</summary>
    public string? Os { get; init; }

    /// <summary>The engine's CPU architecture.</summary>
    public string? Arch { get; init; }

    /// <summary>The host kernel.</summary>
    public string? KernelVersion { get; init; }
}
