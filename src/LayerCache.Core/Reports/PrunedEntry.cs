namespace LayerCache.Core.Reports;

/// <summary>An entry a prune removed.</summary>
public sealed record PrunedEntry(string Entry, string Scope, string Image);
