namespace LayerCache.Cli.Commands;

/// <summary>One stage in <see cref="StagesReport"/>.</summary>
internal sealed record StageReport(
    int Index,
    string? Name,
    StageBaseReport Base,
    string? Platform,
    int Line,
    IReadOnlyList<string> DependsOn,
    IReadOnlyList<string> ExternalImages,
    int Instructions);
