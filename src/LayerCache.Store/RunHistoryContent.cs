namespace LayerCache.Store;

/// <summary>What a history read found: the valid records, oldest first, and how many lines were not valid records.</summary>
public sealed record RunHistoryContent(IReadOnlyList<RunRecord> Records, int InvalidLines);
