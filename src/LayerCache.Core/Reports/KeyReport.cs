using System.Text.Json.Serialization;

namespace LayerCache.Core.Reports;

/// <summary>The cache key and every input it was computed from (build-arg values only as digests).</summary>
public sealed record KeyReport(
    string Key,
    string Scope,
    IReadOnlyList<string> ReadScopes,
    string Dockerfile,
    string DockerfileDigest,
    string Target,
    string Builder,
    IReadOnlyDictionary<string, string> BuildArgs,
    IReadOnlyDictionary<string, string> KeyFiles,
    IReadOnlyDictionary<string, string?> BaseImages,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The report format's version (<see cref="ReportSchema"/>).</summary>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = ReportSchema.Version;
}
