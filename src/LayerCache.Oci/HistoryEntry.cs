using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>One entry of an image config's <c>history</c>: the instruction that made a layer (or no layer).</summary>
public sealed record HistoryEntry
{
    /// <summary>When the step ran.</summary>
    [JsonPropertyName("created")]
    [JsonConverter(typeof(Rfc3339JsonConverter))]
    public DateTimeOffset? Created { get; init; }

    /// <summary>The command, e.g. <c>/bin/sh -c #(nop) COPY file:… in /app</c> or <c>RUN /bin/sh -c make # buildkit</c>.</summary>
    [JsonPropertyName("created_by")]
    public string? CreatedBy { get; init; }

    /// <summary>Author.</summary>
    [JsonPropertyName("author")]
    public string? Author { get; init; }

    /// <summary>Free text.</summary>
    [JsonPropertyName("comment")]
    public string? Comment { get; init; }

    /// <summary>True when the step made no layer (ENV, CMD, LABEL…): it has no DiffId.</summary>
    [JsonPropertyName("empty_layer")]
    public bool? EmptyLayer { get; init; }

    /// <summary><see cref="EmptyLayer"/> with absent meaning false.</summary>
    [JsonIgnore]
    public bool IsEmptyLayer => EmptyLayer == true;
}
