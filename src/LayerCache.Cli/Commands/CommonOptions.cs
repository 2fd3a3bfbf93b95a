using System.CommandLine;
using LayerCache.Core;

namespace LayerCache.Cli.Commands;

/// <summary>Options shared by the commands that read a Dockerfile, spelled as docker build spells them.</summary>
internal static class CommonOptions
{
    public static Option<string?> File() => new("--file", "-f")
    {
        Description = "Name of the Dockerfile (default: CONTEXT/Dockerfile)",
        HelpName = "PATH",
    };

    public static Option<string?> Target() => new("--target")
    {
        Description = "The build stage to build (default: the last stage)",
        HelpName = "STAGE",
    };

    public static Option<string[]> BuildArgs() => new("--build-arg")
    {
        Description = "Set a build-time variable (KEY=VALUE, or KEY to take it from the environment)",
        HelpName = "KEY=VALUE",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<OutputFormat> Format() => new("--format")
    {
        Description = "Output format",
        DefaultValueFactory = _ => OutputFormat.Text,
    };

    public static Argument<string> Context() => new("CONTEXT")
    {
        Description = "The build context directory",
        DefaultValueFactory = _ => ".",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>
    /// Parses <c>--build-arg</c> values as docker does: <c>K=V</c>, or a bare <c>K</c> whose value
    /// comes from the environment (and is left unset when the environment has none).
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseBuildArgs(IEnumerable<string>? values, Func<string, string?> environment)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values ?? [])
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? value : value[..eq];
            if (key.Length == 0 || key.Any(char.IsWhiteSpace))
            {
                throw new InvalidInputException($"invalid --build-arg \"{value}\": expected KEY=VALUE");
            }

            if (eq >= 0)
            {
                result[key] = value[(eq + 1)..];
            }
            else if (environment(key) is { } fromEnvironment)
            {
                result[key] = fromEnvironment;
            }
        }

        return result;
    }

    /// <summary>Resolves the Dockerfile path as docker build does: -f, else CONTEXT/Dockerfile.</summary>
    public static string ResolveDockerfile(string? file, string context) =>
        file is null or "" ? Path.Combine(context, "Dockerfile") : file;
}
