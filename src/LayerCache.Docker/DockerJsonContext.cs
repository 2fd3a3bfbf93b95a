using System.Text.Json.Serialization;

namespace LayerCache.Docker;

/// <summary>Source-generated (reflection-free, trimming-safe) serializers for the engine's JSON.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorResponseWire))]
[JsonSerializable(typeof(VersionWire))]
[JsonSerializable(typeof(InfoWire))]
[JsonSerializable(typeof(ImageInspectWire))]
[JsonSerializable(typeof(List<ImageSummaryWire>))]
[JsonSerializable(typeof(List<HistoryWire>))]
[JsonSerializable(typeof(List<DeleteWire>))]
[JsonSerializable(typeof(JsonMessageWire))]
[JsonSerializable(typeof(PushAuxWire))]
[JsonSerializable(typeof(RegistryAuthWire))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
internal sealed partial class DockerJsonContext : JsonSerializerContext;
