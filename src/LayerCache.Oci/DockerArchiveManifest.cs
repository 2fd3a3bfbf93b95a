using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>
/// One entry of a <c>docker save</c> archive's <c>manifest.json</c>. Paths are archive entry names
/// (forward slashes, relative to the archive root): <c>Config</c> is the image config file,
/// <c>Layers</c> the layer tars bottom first (one per DiffId of the config).
/// </summary>
public sealed record DockerArchiveManifest
{
    /// <summary>Archive path of the image config, e.g. <c>&lt;hex&gt;.json</c> or <c>blobs/sha256/&lt;hex&gt;</c>.</summary>
    [JsonPropertyName("Config")]
    public required string Config { get; init; }

    /// <summary>Familiar <c>name:tag</c> references of the image (null when saved by ID).</summary>
    [JsonPropertyName("RepoTags")]
    public IReadOnlyList<string>? RepoTags { get; init; }

    /// <summary>Archive paths of the layer tars, bottom first.</summary>
    [JsonPropertyName("Layers")]
    public required IReadOnlyList<string> Layers { get; init; }

    /// <summary>The parent image ID (legacy builder chains), if any.</summary>
    [JsonPropertyName("Parent")]
    public string? Parent { get; init; }

    /// <summary>Descriptors of foreign layers, by DiffId.</summary>
    [JsonPropertyName("LayerSources")]
    public IReadOnlyDictionary<DiffId, Descriptor>? LayerSources { get; init; }
}
