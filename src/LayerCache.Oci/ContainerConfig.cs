using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>The <c>config</c> object of an image config: defaults for containers run from the image (Go field names).</summary>
public sealed record ContainerConfig
{
    /// <summary>User (and group) the process runs as.</summary>
    [JsonPropertyName("User")]
    public string? User { get; init; }

    /// <summary>Exposed ports, e.g. <c>80/tcp</c>.</summary>
    [JsonPropertyName("ExposedPorts")]
    [JsonConverter(typeof(StringSetJsonConverter))]
    public IReadOnlyList<string>? ExposedPorts { get; init; }

    /// <summary>Environment, <c>NAME=value</c>.</summary>
    [JsonPropertyName("Env")]
    public IReadOnlyList<string>? Env { get; init; }

    /// <summary>Entrypoint.</summary>
    [JsonPropertyName("Entrypoint")]
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>Default command.</summary>
    [JsonPropertyName("Cmd")]
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>Volumes.</summary>
    [JsonPropertyName("Volumes")]
    [JsonConverter(typeof(StringSetJsonConverter))]
    public IReadOnlyList<string>? Volumes { get; init; }

    /// <summary>Working directory.</summary>
    [JsonPropertyName("WorkingDir")]
    public string? WorkingDir { get; init; }

    /// <summary>Labels.</summary>
    [JsonPropertyName("Labels")]
    [JsonConverter(typeof(AnnotationsJsonConverter))]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Stop signal.</summary>
    [JsonPropertyName("StopSignal")]
    public string? StopSignal { get; init; }

    /// <summary>Windows: command line already escaped.</summary>
    [JsonPropertyName("ArgsEscaped")]
    public bool? ArgsEscaped { get; init; }

    /// <summary>Health check (Docker extension).</summary>
    [JsonPropertyName("Healthcheck")]
    public HealthConfig? Healthcheck { get; init; }

    /// <summary>ONBUILD triggers (Docker extension).</summary>
    [JsonPropertyName("OnBuild")]
    public IReadOnlyList<string>? OnBuild { get; init; }

    /// <summary>Shell for the shell form of RUN/CMD/ENTRYPOINT (Docker extension).</summary>
    [JsonPropertyName("Shell")]
    public IReadOnlyList<string>? Shell { get; init; }
}
