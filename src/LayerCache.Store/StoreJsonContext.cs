using System.Text.Json.Serialization;

namespace LayerCache.Store;

/// <summary>Source-generated JSON for the map-valued entry annotations (base images, key files) and the stage layer index.</summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(List<string[]>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class StoreJsonContext : JsonSerializerContext
{
}
