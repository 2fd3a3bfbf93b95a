namespace LayerCache.Core.Reports;

/// <summary>One entry as <c>layercache ls</c> shows it.</summary>
public sealed record EntryListing(
    string Entry,
    string Scope,
    IReadOnlyList<string> Stages,
    long Bytes,
    DateTimeOffset Created,
    DateTimeOffset LastUsed,
    string Key,
    string? Builder,
    string? Target);
