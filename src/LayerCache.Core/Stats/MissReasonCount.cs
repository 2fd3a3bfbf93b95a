namespace LayerCache.Core.Stats;

/// <summary>How often restores missed for one reason.</summary>
public sealed record MissReasonCount(string Reason, int Count);
