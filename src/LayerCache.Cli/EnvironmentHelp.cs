using System.Text;

namespace LayerCache.Cli;

/// <summary>
/// The environment variables layercache reads, printed after each command's help (System.CommandLine
/// has no section for them), so that a variable is never something only the source knows.
/// </summary>
internal static class EnvironmentHelp
{
    private static readonly string[] CacheCommands = ["build", "restore", "save"];
    private static readonly string[] StoreCommands = ["build", "restore", "save", "ls", "prune", "verify", "stats"];
    private static readonly string[] EngineCommands = ["build", "restore", "save", "key"];

    /// <summary>Every variable: name, what it does, and the commands that read it (null: all).</summary>
    public static readonly IReadOnlyList<(string Name, string Description, string[]? Commands)> Variables =
    [
        ("LAYERCACHE_CACHE", "The store when --cache is not given (default: $XDG_CACHE_HOME/layercache, else ~/.cache/layercache)", StoreCommands),
        ("LAYERCACHE_INSECURE_REGISTRY", "Set to 1 to allow plain HTTP to a registry store that is not on this machine (as --insecure-registry)", StoreCommands),
        ("LAYERCACHE_TOKEN", "A token for a registry cache store (a layercache serve token, or an access token a registry takes as a password); default: docker login's credentials", StoreCommands),
        ("LAYERCACHE_REGISTRY_CA", "A PEM file of CA certificates to trust for a registry store (as --registry-ca)", StoreCommands),
        ("LAYERCACHE_DOCKER", "The docker CLI binary that runs the builds (default: docker on PATH)", EngineCommands),
        ("LAYERCACHE_SIGNING_KEY", "A secret: a save signs its entry with it, a restore accepts only entries signed with it", CacheCommands),
        ("LAYERCACHE_PROGRESS_INTERVAL", "Seconds between progress lines of a restore or save when stderr is not a terminal or TERM=dumb (default: 5)", CacheCommands),
        ("LAYERCACHE_DEBUG", "Set to 1 to print the stack trace of an internal error (for bug reports)", null),
        ("DOCKER_HOST, DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_CONFIG", "The engine and registry credentials, as the docker CLI reads them", EngineCommands),
        ("DOCKER_BUILDKIT", "The builder, as the docker CLI chooses it (1: BuildKit, 0: classic)", EngineCommands),
        ("GITHUB_STEP_SUMMARY", "The report is appended there as Markdown (GitHub Actions sets it)", [.. CacheCommands, "stats"]),
    ];

    /// <summary>The section for <paramref name="command"/> (a subcommand's name, or null for the root).</summary>
    public static string For(string? command)
    {
        var text = new StringBuilder("Environment variables:\n");
        var width = Variables.Where(v => Applies(v.Commands, command) && v.Name.Length <= 40).Max(v => v.Name.Length);
        foreach (var (name, description, commands) in Variables)
        {
            if (!Applies(commands, command))
            {
                continue;
            }

            if (name.Length > 40)
            {
                // Several names: their own line, the description below, as help wraps long option names.
                text.Append("  ").Append(name).Append('\n').Append(' ', 4).Append(description).Append('\n');
            }
            else
            {
                text.Append("  ").Append(name.PadRight(width + 2)).Append(description).Append('\n');
            }
        }

        if (command is null)
        {
            text.Append("\nCI variables (GITHUB_*, CI_*, CIRCLE_*, BUILDKITE_*, ...) decide the scope; see the README.\n");
        }

        return text.ToString();
    }

    private static bool Applies(string[]? commands, string? command) =>
        commands is null || command is null || commands.Contains(command, StringComparer.Ordinal);
}
