using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>An image index (OCI) or manifest list (Docker): a list of manifests, e.g. one per platform, or an image layout's <c>index.json</c>.</summary>
public sealed record ImageIndex
{
    /// <summary>Always 2.</summary>
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>The index's own media type.</summary>
    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    /// <summary>The artifact type, for artifact indexes.</summary>
    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    /// <summary>The listed manifests (or nested indexes).</summary>
    [JsonPropertyName("manifests")]
    public required IReadOnlyList<Descriptor> Manifests { get; init; }

    /// <summary>The manifest this one refers to (referrers API).</summary>
    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    /// <summary>Arbitrary metadata.</summary>
    [JsonPropertyName("annotations")]
    [JsonConverter(typeof(AnnotationsJsonConverter))]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>An empty OCI index, the content of a new image layout's <c>index.json</c>.</summary>
    public static ImageIndex Empty { get; } = new() { MediaType = Oci.MediaType.OciImageIndex, Manifests = [] };

    /// <summary>The manifests whose <c>org.opencontainers.image.ref.name</c> annotation is <paramref name="refName"/>.</summary>
    public IEnumerable<Descriptor> FindByRefName(string refName) =>
        Manifests.Where(m => m.GetAnnotation(AnnotationKeys.RefName) == refName);

    /// <summary>
    /// A copy where <paramref name="manifest"/> carries <paramref name="refName"/> and no other entry
    /// does (the usual "tag" semantics of an image layout).
    /// </summary>
    public ImageIndex WithRef(string refName, Descriptor manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var list = Manifests.Where(m => m.GetAnnotation(AnnotationKeys.RefName) != refName).ToList();
        list.Add(manifest.WithAnnotation(AnnotationKeys.RefName, refName));
        return this with { Manifests = list };
    }
}
