namespace LayerCache.Core.Reports;

/// <summary>One entry as <c>layercache ls</c> shows it; <paramref name="Image"/> is its image identity (Dockerfile, target, platform).</summary>
public sealed record EntryListing(
    string Entry,
    string Scope,
    string Image,
    IReadOnlyList<string> Stages,
    long Bytes,
    DateTimeOffset Created,
    DateTimeOffset LastUsed,
    string Key,
    string? Builder,
    string? Target);
