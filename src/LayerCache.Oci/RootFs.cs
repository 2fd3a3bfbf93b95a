using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>The <c>rootfs</c> object of an image config: the DiffIds of the layers, bottom first.</summary>
public sealed record RootFs
{
    /// <summary>Always <c>layers</c>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; init; } = "layers";

    /// <summary>The DiffIds, bottom first.</summary>
    [JsonPropertyName("diff_ids")]
    public IReadOnlyList<DiffId> DiffIds { get; init; } = [];
}
