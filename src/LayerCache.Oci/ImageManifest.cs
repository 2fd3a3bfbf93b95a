using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>An image manifest (OCI, or Docker schema 2 which has the same shape): a config and its layers.</summary>
public sealed record ImageManifest
{
    /// <summary>Always 2.</summary>
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>The manifest's own media type (required for Docker schema 2, recommended for OCI).</summary>
    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    /// <summary>The artifact type, for artifact manifests.</summary>
    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    /// <summary>The image config blob.</summary>
    [JsonPropertyName("config")]
    public required Descriptor Config { get; init; }

    /// <summary>The layers, bottom first.</summary>
    [JsonPropertyName("layers")]
    public required IReadOnlyList<Descriptor> Layers { get; init; }

    /// <summary>The manifest this one refers to (referrers API).</summary>
    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    /// <summary>Arbitrary metadata.</summary>
    [JsonPropertyName("annotations")]
    [JsonConverter(typeof(AnnotationsJsonConverter))]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>True for a Docker schema 2 manifest (whose layers should use Docker media types).</summary>
    [JsonIgnore]
    public bool IsDocker => MediaType == Oci.MediaType.DockerManifest;
}
