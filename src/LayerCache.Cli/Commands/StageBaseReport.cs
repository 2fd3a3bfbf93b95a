namespace LayerCache.Cli.Commands;

/// <summary>What a stage starts from: <c>image</c>, <c>stage</c> or <c>scratch</c>.</summary>
internal sealed record StageBaseReport(string Kind, string Reference, int? StageIndex);
