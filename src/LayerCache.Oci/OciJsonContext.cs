using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>
/// Source-generated JSON metadata for the OCI and Docker documents. Use <see cref="OciJson"/> rather
/// than this context directly: it adds the options (escaping, null handling) and validation.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    WriteIndented = false)]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(List<DockerArchiveManifest>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
[JsonSerializable(typeof(OciLayoutHeader))]
public sealed partial class OciJsonContext : JsonSerializerContext
{
}
