namespace LayerCache.Docker;

/// <summary>The subset of GET /info that layercache uses: identity, storage and registry settings.</summary>
public sealed record DockerSystemInfo
{
    /// <summary>The engine's unique id.</summary>
    public string? Id { get; init; }

    /// <summary>The host name of the engine.</summary>
    public string? Name { get; init; }

    /// <summary>The engine release.</summary>
    public string? ServerVersion { get; init; }

    /// <summary>The storage driver, e.g. <c>overlay2</c>.</summary>
    public string? StorageDriver { get; init; }

    /// <summary>The engine's data root.</summary>
    public string? DockerRootDir { get; init; }

    /// <summary>The number of images, intermediate ones included.</summary>
    public int Images { get; init; }

    /// <summary>The number of containers.</summary>
    public int Containers { get; init; }

    /// <summary>A human description of the host OS.</summary>
    public string? OperatingSystem { get; init; }

    /// <summary>The engine's OS type.</summary>
    public string? OsType { get; init; }

    /// <summary>The host CPU architecture.</summary>
    public string? Architecture { get; init; }

    /// <summary>The number of CPUs.</summary>
    public int CpuCount { get; init; }

    /// <summary>Total memory in bytes.</summary>
    public long MemoryTotal { get; init; }

    /// <summary>Networks whose registries the engine reaches over plain HTTP (127.0.0.0/8 by default).</summary>
    public IReadOnlyList<string> InsecureRegistryCidrs { get; init; } = [];

    /// <summary>Registry mirrors configured for Docker Hub.</summary>
    public IReadOnlyList<string> RegistryMirrors { get; init; } = [];
}
