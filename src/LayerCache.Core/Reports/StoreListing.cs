namespace LayerCache.Core.Reports;

/// <summary>What <c>layercache ls</c> prints: the entries, newest first, and the store's total size (shared blobs counted once).</summary>
public sealed record StoreListing(string Store, IReadOnlyList<EntryListing> Entries, long TotalBytes);
