using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>
/// An image config (OCI <c>application/vnd.oci.image.config.v1+json</c> / Docker
/// <c>application/vnd.docker.container.image.v1+json</c>), parsed for reading. Config blobs are kept
/// and moved as their original bytes, never re-serialized from this type: fields this type does not
/// model (Docker's <c>container_config</c>, <c>docker_version</c>…) would be lost, and the digest with them.
/// </summary>
public sealed record ImageConfig
{
    /// <summary>When the image was created.</summary>
    [JsonPropertyName("created")]
    [JsonConverter(typeof(Rfc3339JsonConverter))]
    public DateTimeOffset? Created { get; init; }

    /// <summary>Who created the image.</summary>
    [JsonPropertyName("author")]
    public string? Author { get; init; }

    /// <summary>CPU architecture.</summary>
    [JsonPropertyName("architecture")]
    public string? Architecture { get; init; }

    /// <summary>Operating system.</summary>
    [JsonPropertyName("os")]
    public string? Os { get; init; }

    /// <summary>OS version (Windows).</summary>
    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    /// <summary>OS features (Windows).</summary>
    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    /// <summary>CPU variant.</summary>
    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    /// <summary>Defaults for containers run from the image.</summary>
    [JsonPropertyName("config")]
    public ContainerConfig? Config { get; init; }

    /// <summary>The layer DiffIds.</summary>
    [JsonPropertyName("rootfs")]
    public RootFs? RootFs { get; init; }

    /// <summary>How each layer was made, bottom first; entries with <c>empty_layer</c> have no layer.</summary>
    [JsonPropertyName("history")]
    public IReadOnlyList<HistoryEntry>? History { get; init; }

    /// <summary>The DiffIds of the layers, bottom first (empty when the config has no rootfs).</summary>
    [JsonIgnore]
    public IReadOnlyList<DiffId> DiffIds => RootFs?.DiffIds ?? [];

    /// <summary>The image's platform, from architecture, os and variant (null if either of the first two is missing).</summary>
    [JsonIgnore]
    public Platform? Platform => Architecture is { Length: > 0 } && Os is { Length: > 0 }
        ? new Platform { Architecture = Architecture, Os = Os, Variant = Variant, OsVersion = OsVersion, OsFeatures = OsFeatures }
        : null;
}
