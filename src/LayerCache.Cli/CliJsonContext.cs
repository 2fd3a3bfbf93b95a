using System.Text.Json.Serialization;
using LayerCache.Cli.Commands;

namespace LayerCache.Cli;

/// <summary>Source-generated JSON for everything the CLI prints with <c>--format json</c>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StagesReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
}
