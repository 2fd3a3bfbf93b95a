using System.Text.Json.Serialization;

namespace LayerCache.Core.Reports;

/// <summary>
/// The cache key and every input it was computed from (build-arg values only as digests). Base images
/// carry both identities where known: <see cref="BaseImages"/> the engine's image id,
/// <see cref="BaseManifests"/> the registry's manifest digest (for the platform).
/// </summary>
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
    IReadOnlyList<string> Warnings,
    IReadOnlyDictionary<string, string?>? BaseManifests = null,
    string KeyFormat = "v1")
{
    /// <summary>
    /// The inputs digest of a build with no further docker flags (key inputs plus the build context as
    /// the builder sees it): equal digests build the same image, so a CI can skip the job step on it.
    /// Null when it could not be computed (see <see cref="InputsRefusals"/>).
    /// </summary>
    public string? Inputs { get; init; }

    /// <summary>Why there is no inputs digest, or why a build would not take the shortcut; null when none.</summary>
    public IReadOnlyList<string> InputsRefusals { get; init; } = [];

    /// <summary>The report format's version (<see cref="ReportSchema"/>).</summary>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = ReportSchema.Version;
}
