namespace LayerCache.Core.Reports;

/// <summary>
/// The version of every <c>--format json</c> document (<c>schemaVersion</c>, first in each) and of the
/// JSON Schema that describes them, <c>docs/schema/report-v1.json</c>. Adding a field keeps the
/// version; renaming, removing or changing the meaning of one makes a new version (and a new file).
/// </summary>
public static class ReportSchema
{
    /// <summary>The current version.</summary>
    public const int Version = 1;
}
