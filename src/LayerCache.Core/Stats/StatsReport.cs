using System.Text.Json.Serialization;
using LayerCache.Core.Reports;

namespace LayerCache.Core.Stats;

/// <summary>What <c>layercache stats</c> prints: totals, per scope and image, miss reasons, and the runs, oldest first.</summary>
public sealed record StatsReport
{
    /// <summary>The report format's version (<see cref="ReportSchema"/>).</summary>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = ReportSchema.Version;

    /// <summary>The store.</summary>
    public required string Store { get; init; }

    /// <summary>False when the store keeps no run history (it does not exist yet, or its kind keeps none).</summary>
    public bool HistoryKept { get; init; }

    /// <summary>The scope asked for (<c>--scope</c>), or null for all.</summary>
    public string? Scope { get; init; }

    /// <summary>The earliest time shown (<c>--since</c>), or null for the whole history.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Sums over <see cref="Runs"/>.</summary>
    public required StatsTotals Totals { get; init; }

    /// <summary>Per scope and image, most runs first.</summary>
    public IReadOnlyList<ImageStats> Images { get; init; } = [];

    /// <summary>Why restores missed, most frequent first.</summary>
    public IReadOnlyList<MissReasonCount> MissReasons { get; init; } = [];

    /// <summary>The runs, oldest first.</summary>
    public IReadOnlyList<StatsRun> Runs { get; init; } = [];

    /// <summary>Lines of the history file that were not valid records (skipped).</summary>
    public int InvalidLines { get; init; }
}
