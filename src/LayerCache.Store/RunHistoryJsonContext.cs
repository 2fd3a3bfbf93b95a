using System.Text.Json.Serialization;

namespace LayerCache.Store;

/// <summary>Source-generated JSON of the run history's lines.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(RunRecord))]
internal sealed partial class RunHistoryJsonContext : JsonSerializerContext
{
}
