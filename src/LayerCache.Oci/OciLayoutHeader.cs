using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>The <c>oci-layout</c> file at the root of an OCI image layout.</summary>
public sealed record OciLayoutHeader
{
    /// <summary>The layout version this library writes.</summary>
    public const string CurrentVersion = "1.0.0";

    /// <summary>The layout version, <c>1.0.0</c>.</summary>
    [JsonPropertyName("imageLayoutVersion")]
    public required string ImageLayoutVersion { get; init; }
}
