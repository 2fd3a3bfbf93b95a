using System.Text.Json.Serialization;
using LayerCache.Store;

namespace LayerCache.Core.Reports;

/// <summary>What <c>layercache verify --format json</c> prints.</summary>
public sealed record VerifySummary
{
    /// <summary>The report format's version (<see cref="ReportSchema"/>).</summary>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = ReportSchema.Version;

    /// <summary>The store.</summary>
    public required string Store { get; init; }

    /// <summary>True when nothing is wrong (the exit code is then 0, else 1).</summary>
    public bool Clean { get; init; }

    /// <summary>Blobs re-hashed.</summary>
    public int BlobsChecked { get; init; }

    /// <summary>Bytes re-hashed.</summary>
    public long BytesChecked { get; init; }

    /// <summary>Entries checked.</summary>
    public int EntriesChecked { get; init; }

    /// <summary>Every bad or missing blob.</summary>
    public IReadOnlyList<VerifyProblem> Problems { get; init; } = [];

    /// <summary>Entries that cannot be restored in full.</summary>
    public IReadOnlyList<string> BrokenEntries { get; init; } = [];

    /// <summary>Blobs no entry uses (a prune deletes them; not a problem).</summary>
    public int UnreferencedBlobs { get; init; }

    /// <summary>The summary of a store's verify report.</summary>
    public static VerifySummary From(string store, VerifyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new VerifySummary
        {
            Store = store,
            Clean = report.IsClean,
            BlobsChecked = report.BlobsChecked,
            BytesChecked = report.BytesChecked,
            EntriesChecked = report.EntriesChecked,
            Problems = [.. report.Problems.Select(p => new VerifyProblem(p.Digest.Value, p.Kind.ToString().ToLowerInvariant(), p.Detail, p.ReferencedBy))],
            BrokenEntries = report.BrokenEntries,
            UnreferencedBlobs = report.UnreferencedBlobs,
        };
    }
}
