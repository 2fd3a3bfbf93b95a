namespace LayerCache.Cli.Commands;

/// <summary>How a command prints its result.</summary>
internal enum OutputFormat
{
    Text,
    Json,
}
