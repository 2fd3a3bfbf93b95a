using System.Text.Json.Serialization;
using LayerCache.Store;

namespace LayerCache.Core.Reports;

/// <summary>What <c>layercache prune --format json</c> prints.</summary>
public sealed record PruneSummary
{
    /// <summary>The report format's version (<see cref="ReportSchema"/>).</summary>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = ReportSchema.Version;

    /// <summary>The store.</summary>
    public required string Store { get; init; }

    /// <summary>Entries dropped by the policy (ref name, scope, image), newest first.</summary>
    public IReadOnlyList<PrunedEntry> EntriesRemoved { get; init; } = [];

    /// <summary>Ref names of entries dropped because a blob they need was missing or unreadable.</summary>
    public IReadOnlyList<string> BrokenEntriesRemoved { get; init; } = [];

    /// <summary>Entries that remain.</summary>
    public int EntriesKept { get; init; }

    /// <summary>Unreferenced blobs deleted.</summary>
    public int BlobsRemoved { get; init; }

    /// <summary>Bytes freed.</summary>
    public long BytesFreed { get; init; }

    /// <summary>Bytes of the blobs that remain.</summary>
    public long BytesKept { get; init; }

    /// <summary>The summary of a store's prune report.</summary>
    public static PruneSummary From(string store, PruneReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new PruneSummary
        {
            Store = store,
            EntriesRemoved = [.. report.EntriesRemoved.Select(e => new PrunedEntry(e.RefName ?? e.Id.Value, e.Scope.Value, e.Image.ToString()))],
            BrokenEntriesRemoved = report.BrokenEntriesRemoved,
            EntriesKept = report.EntriesKept,
            BlobsRemoved = report.BlobsRemoved,
            BytesFreed = report.BytesFreed,
            BytesKept = report.BytesKept,
        };
    }
}
