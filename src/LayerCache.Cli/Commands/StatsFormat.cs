namespace LayerCache.Cli.Commands;

/// <summary>How <c>layercache stats</c> prints: text, json or markdown.</summary>
internal enum StatsFormat
{
    Text,
    Json,
    Markdown,
}
