namespace LayerCache.Core.Stats;

/// <summary>The totals of one scope and image (Dockerfile, target, platform).</summary>
public sealed record ImageStats(string Scope, string Image, StatsTotals Totals);
