using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>
/// An OCI content descriptor: what a blob is (<see cref="MediaType"/>), its <see cref="Digest"/> and
/// <see cref="Size"/>, and optional metadata. Property order follows the Go type so documents round-trip.
/// </summary>
public sealed record Descriptor
{
    /// <summary>The media type of the referenced content.</summary>
    [JsonPropertyName("mediaType")]
    public required string MediaType { get; init; }

    /// <summary>The digest of the referenced content.</summary>
    [JsonPropertyName("digest")]
    public required Digest Digest { get; init; }

    /// <summary>The size in bytes of the referenced content.</summary>
    [JsonPropertyName("size")]
    public required long Size { get; init; }

    /// <summary>URLs the content may be fetched from (foreign layers).</summary>
    [JsonPropertyName("urls")]
    public IReadOnlyList<string>? Urls { get; init; }

    /// <summary>Arbitrary metadata, e.g. <c>org.opencontainers.image.ref.name</c> in an image layout's index.</summary>
    [JsonPropertyName("annotations")]
    [JsonConverter(typeof(AnnotationsJsonConverter))]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>The content itself, embedded (base64 in JSON).</summary>
    [JsonPropertyName("data")]
    public ReadOnlyMemory<byte>? Data { get; init; }

    /// <summary>The platform of a manifest listed in an index.</summary>
    [JsonPropertyName("platform")]
    public Platform? Platform { get; init; }

    /// <summary>The artifact type of an artifact manifest.</summary>
    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    /// <summary>The annotation value, or null.</summary>
    public string? GetAnnotation(string key) => Annotations is not null && Annotations.TryGetValue(key, out var value) ? value : null;

    /// <summary>A copy with one annotation set (others kept).</summary>
    public Descriptor WithAnnotation(string key, string value)
    {
        var annotations = Annotations is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(Annotations, StringComparer.Ordinal);
        annotations[key] = value;
        return this with { Annotations = annotations };
    }
}
