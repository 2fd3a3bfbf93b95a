namespace LayerCache.Docker.Build;

/// <summary>One <c>docker build</c> invocation: the user's options plus what layercache adds.</summary>
public sealed record DockerBuildRequest
{
    /// <summary>The build context directory.</summary>
    public required string Context { get; init; }

    /// <summary>The Dockerfile (<c>-f</c>), or null for CONTEXT/Dockerfile.</summary>
    public string? Dockerfile { get; init; }

    /// <summary>The stage to build (<c>--target</c>), or null for the last stage.</summary>
    public string? Target { get; init; }

    /// <summary>Tags to apply (<c>-t</c>).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Build arguments (<c>--build-arg K=V</c>).</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary>Images to use as cache sources (<c>--cache-from</c>).</summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = [];

    /// <summary>Further <c>docker build</c> arguments passed through as the user wrote them.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>
    /// Whether a buildx build gets <c>--load</c> (layercache needs the image in the engine to save it);
    /// false when the user chose the outputs themselves.
    /// </summary>
    public bool LoadIntoEngine { get; init; } = true;
}
