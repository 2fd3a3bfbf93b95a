using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>A Docker health check (<c>HEALTHCHECK</c>); durations are nanoseconds as in Go.</summary>
public sealed record HealthConfig
{
    /// <summary>The test, e.g. <c>["CMD-SHELL", "curl -f http://localhost/"]</c> or <c>["NONE"]</c>.</summary>
    [JsonPropertyName("Test")]
    public IReadOnlyList<string>? Test { get; init; }

    /// <summary>Time between checks, in nanoseconds.</summary>
    [JsonPropertyName("Interval")]
    public long? Interval { get; init; }

    /// <summary>Time a check may take, in nanoseconds.</summary>
    [JsonPropertyName("Timeout")]
    public long? Timeout { get; init; }

    /// <summary>Grace period after start, in nanoseconds.</summary>
    [JsonPropertyName("StartPeriod")]
    public long? StartPeriod { get; init; }

    /// <summary>Interval during the start period, in nanoseconds.</summary>
    [JsonPropertyName("StartInterval")]
    public long? StartInterval { get; init; }

    /// <summary>Failures before unhealthy.</summary>
    [JsonPropertyName("Retries")]
    public int? Retries { get; init; }
}
