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
        // No DefaultValueFactory: help would print the enum's name ("[default: Text]"), which is not
        // what the user types; unset is OutputFormat.Text, the enum's zero.
        Description = "Output format: text (the default) or json",
        HelpName = "text|json",
        CustomParser = result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "text";
            switch (value.ToLowerInvariant())
            {
                case "text":
                    return OutputFormat.Text;
                case "json":
                    return OutputFormat.Json;
                default:
                    result.AddError($"invalid --format \"{value}\": expected text or json");
                    return OutputFormat.Text;
            }
        },
    };

    public static Option<string?> Cache() => new("--cache")
    {
        Description = "The cache store: dir:PATH or registry://HOST[:PORT]/REPOSITORY (default: $LAYERCACHE_CACHE, else $XDG_CACHE_HOME/layercache, else ~/.cache/layercache; never inside the build context)",
        HelpName = "STORE",
    };

    /// <summary>The store from <c>--cache</c>, else <c>LAYERCACHE_CACHE</c>, else the user's cache directory.</summary>
    /// <remarks>A store whose settings cannot work is refused here, before any engine or build work.</remarks>
    public static StoreLocation Store(ParseResult parse, Option<string?> cache, Func<string, string?> environment) =>
        Store(parse, cache, null, null, environment);

    /// <summary>
    /// As <see cref="Store(ParseResult, Option{string?}, Func{string, string?})"/>, with a registry store's
    /// connection settings from <c>--insecure-registry</c> and <c>--registry-ca</c> (else
    /// <c>LAYERCACHE_INSECURE_REGISTRY=1</c> and <c>LAYERCACHE_REGISTRY_CA</c>); they do nothing for a directory store.
    /// </summary>
    public static StoreLocation Store(ParseResult parse, Option<string?> cache, Option<bool>? insecure, Option<string?>? registryCa, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(environment);
        var location = StoreLocation.Resolve(parse.GetValue(cache), environment);
        if (location.Registry is { } registry)
        {
            var isInsecure = (insecure is not null && parse.GetValue(insecure)) || environment("LAYERCACHE_INSECURE_REGISTRY") is "1" or "true";
            var ca = (registryCa is null ? null : parse.GetValue(registryCa)) ?? (environment("LAYERCACHE_REGISTRY_CA") is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
            location = new StoreLocation(registry with { Insecure = isInsecure, CaFile = ca is null ? null : Path.GetFullPath(ca) });
        }

        return CacheStoreFactory.RequireAvailable(location);
    }

    public static Option<bool> InsecureRegistry() => new("--insecure-registry")
    {
        Description = "Allow plain HTTP to a registry store that is not on this machine (loopback registries always may); default $LAYERCACHE_INSECURE_REGISTRY=1",
    };

    public static Option<string?> RegistryCa() => new("--registry-ca")
    {
        Description = "A PEM file of CA certificates to trust for a registry store (default: $LAYERCACHE_REGISTRY_CA, else the system's)",
        HelpName = "PATH",
    };

    public static Option<string[]> Keep() => new("--keep")
    {
        Description = "Retention after a save: current (newest entry per scope) and/or a duration (7d: entries used in the last 7 days)",
        HelpName = "current|AGE",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string?> MaxSize() => new("--max-size")
    {
        Description = "Retention after a save: drop least recently used entries until the store fits (10GB, 500MB)",
        HelpName = "SIZE",
    };

    /// <summary>Combines <c>--keep</c> values and <c>--max-size</c> into a retention policy.</summary>
    public static LayerCache.Store.RetentionPolicy ParseRetention(IEnumerable<string>? keep, string? maxSize)
    {
        var policy = LayerCache.Store.RetentionPolicy.KeepAll;
        foreach (var value in keep ?? [])
        {
            policy = CacheCommandOptions.Parse(() => policy.WithKeep(value), "--keep");
        }

        if (maxSize is not null)
        {
            policy = CacheCommandOptions.Parse(() => policy.WithMaxSize(maxSize), "--max-size");
        }

        return policy;
    }

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
