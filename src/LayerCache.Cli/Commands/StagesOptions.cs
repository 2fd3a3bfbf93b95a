namespace LayerCache.Cli.Commands;

/// <summary>The bound options of <c>layercache stages</c>.</summary>
internal sealed record StagesOptions(
    string Dockerfile,
    string? Target,
    IReadOnlyDictionary<string, string> BuildArgs,
    OutputFormat Format);
