using System.Text.Json.Serialization;

namespace LayerCache.Core.Reports;

/// <summary>The whole run: restore, build and save, with every warning. <c>--format json</c> prints this.</summary>
public sealed record RunReport
{
    /// <summary>The report format's version (<see cref="ReportSchema"/>).</summary>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = ReportSchema.Version;

    /// <summary>The command: restore, build or save.</summary>
    public required string Command { get; init; }

    /// <summary>The scope written.</summary>
    public string? Scope { get; init; }

    /// <summary>The scopes read, in order.</summary>
    public IReadOnlyList<string> ReadScopes { get; init; } = [];

    /// <summary>The cache key.</summary>
    public string? Key { get; init; }

    /// <summary>The target stage.</summary>
    public string? Target { get; init; }

    /// <summary>The restore, if one ran.</summary>
    public RestoreReport? Restore { get; init; }

    /// <summary>The build, if one ran.</summary>
    public BuildReport? Build { get; init; }

    /// <summary>The inputs shortcut (build only): taken, or why not.</summary>
    public ShortcutReport? Shortcut { get; init; }

    /// <summary>The save, if one ran.</summary>
    public SaveReport? Save { get; init; }

    /// <summary>What <c>--push</c> did with each tag, if it was asked for.</summary>
    public IReadOnlyList<PushReport>? Pushes { get; init; }

    /// <summary>Cache problems that were turned into a cold build or a skipped save.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The process exit code: the build's own.</summary>
    public int ExitCode { get; init; }
}
