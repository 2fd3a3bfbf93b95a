using System.Text.Json.Serialization;
using LayerCache.Cli.Commands;
using LayerCache.Core.Reports;

namespace LayerCache.Cli;

/// <summary>Source-generated JSON for everything the CLI prints with <c>--format json</c>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StagesReport))]
[JsonSerializable(typeof(RunReport))]
[JsonSerializable(typeof(KeyReport))]
[JsonSerializable(typeof(StoreListing))]
[JsonSerializable(typeof(PruneSummary))]
[JsonSerializable(typeof(VerifySummary))]
[JsonSerializable(typeof(LayerCache.Core.Stats.StatsReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
}
