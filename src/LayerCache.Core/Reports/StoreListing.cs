using System.Text.Json.Serialization;

namespace LayerCache.Core.Reports;

/// <summary>What <c>layercache ls</c> prints: the entries, newest first, and the store's total size (shared blobs counted once).</summary>
public sealed record StoreListing(string Store, IReadOnlyList<EntryListing> Entries, long TotalBytes)
{
    /// <summary>The report format's version (<see cref="ReportSchema"/>).</summary>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = ReportSchema.Version;
}
