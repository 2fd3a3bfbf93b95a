using System.CommandLine;
using LayerCache.Core;
using LayerCache.Store;

namespace LayerCache.Cli.Commands;

/// <summary>
/// The options of build, restore, save and key, bound into <see cref="CacheOptions"/>. Each command
/// gets only the options it uses: <c>--max-age</c> where entries are restored, <c>--keep</c> and
/// <c>--max-size</c> where a save applies retention, <c>--cache</c> where the store is opened.
/// </summary>
/// <param name="restores">The command restores an entry (build, restore).</param>
/// <param name="saves">The command saves an entry and applies retention (build, save).</param>
internal sealed class CacheCommandOptions(bool restores, bool saves)
{
    private bool UsesStore => restores || saves;

    public Option<string?> File { get; } = CommonOptions.File();

    public Option<string?> Target { get; } = CommonOptions.Target();

    public Option<string[]> BuildArgs { get; } = CommonOptions.BuildArgs();

    public Option<string?> Cache { get; } = CommonOptions.Cache();

    public Option<bool> InsecureRegistry { get; } = CommonOptions.InsecureRegistry();

    public Option<string?> RegistryCa { get; } = CommonOptions.RegistryCa();

    public Option<string?> Scope { get; } = new("--scope")
    {
        Description = "The scope to write and read first (default: project/branch from the CI or git)",
        HelpName = "NAME",
    };

    public Option<string[]> FallbackScopes { get; } = new("--fallback-scope")
    {
        Description = "Scopes to read when the own scope has no usable entry (default: the default branch's)",
        HelpName = "NAME",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> MaxAge { get; } = new("--max-age")
    {
        Description = "Do not restore entries older than this (7d, 12h; 0d restores nothing), so base image updates arrive",
        HelpName = "AGE",
    };

    public Option<string[]> Keep { get; } = CommonOptions.Keep();

    public Option<string?> MaxSize { get; } = CommonOptions.MaxSize();

    public Option<string[]> KeyFiles { get; } = new("--key-file")
    {
        Description = "A file whose content goes into the cache key (a lockfile)",
        HelpName = "PATH",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<bool> NoBridge { get; } = new("--no-bridge")
    {
        Description = "Move stage images by docker load/save only, never through the bridge (a registry on 127.0.0.1 the engine pulls from and pushes to)",
    };

    public Option<bool> Strict { get; } = new("--strict")
    {
        Description = "Make cache problems fatal instead of a warning and a cold build",
    };

    public Option<OutputFormat> Format { get; } = CommonOptions.Format();

    public Argument<string?> Context { get; } = new("CONTEXT")
    {
        // Only build and save run docker builds, so only they take docker arguments after --.
        Description = saves ? "The build context directory (default: .); docker build arguments may follow --" : "The build context directory (default: .)",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public void AddTo(Command command)
    {
        command.Add(File);
        command.Add(Target);
        command.Add(BuildArgs);
        if (UsesStore)
        {
            command.Add(Cache);
            command.Add(InsecureRegistry);
            command.Add(RegistryCa);
            command.Add(NoBridge);
        }

        command.Add(Scope);
        command.Add(FallbackScopes);
        if (restores)
        {
            command.Add(MaxAge);
        }

        if (saves)
        {
            command.Add(Keep);
            command.Add(MaxSize);
        }

        command.Add(KeyFiles);
        command.Add(Strict);
        command.Add(Format);
        command.Add(Context);
    }

    /// <summary>Binds the parsed values; <paramref name="context"/> comes from the positional argument or after <c>--</c>.</summary>
    public CacheOptions Bind(ParseResult parse, string context, Func<string, string?> environment)
    {
        TimeSpan? maxAge = null;
        if (restores && parse.GetValue(MaxAge) is { } age)
        {
            // --max-age 0d is a forced full rebuild: restore nothing, take the newest bases.
            // Durations must be positive elsewhere (--keep 0d would drop everything), so zero is read here.
            maxAge = IsZeroDuration(age) ? TimeSpan.Zero : Parse(() => RetentionPolicy.ParseDuration(age), "--max-age");
        }

        return new CacheOptions
        {
            Context = context,
            Dockerfile = CommonOptions.ResolveDockerfile(parse.GetValue(File), context),
            Target = parse.GetValue(Target),
            BuildArgs = CommonOptions.ParseBuildArgs(parse.GetValue(BuildArgs), environment),
            Store = UsesStore ? CommonOptions.Store(parse, Cache, InsecureRegistry, RegistryCa, environment) : StoreLocation.Resolve(null, environment),
            Scope = parse.GetValue(Scope),
            FallbackScopes = parse.GetValue(FallbackScopes) ?? [],
            MaxAge = maxAge,
            Retention = saves ? CommonOptions.ParseRetention(parse.GetValue(Keep), parse.GetValue(MaxSize)) : RetentionPolicy.KeepAll,
            KeyFiles = parse.GetValue(KeyFiles) ?? [],
            Strict = parse.GetValue(Strict),
            DockerCli = environment("LAYERCACHE_DOCKER") is { Length: > 0 } docker ? docker : "docker",
            Environment = environment,
            Bridge = UsesStore && !parse.GetValue(NoBridge) ? new Server.LocalStoreBridgeHost() : null,
        };
    }

    /// <summary>True for a zero duration with or without a unit: <c>0</c>, <c>0d</c>, <c>0.0h</c>.</summary>
    private static bool IsZeroDuration(string value)
    {
        var text = value.Trim();
        if (text.Length > 1 && "smhdw".Contains(char.ToLowerInvariant(text[^1]), StringComparison.Ordinal))
        {
            text = text[..^1];
        }

        return text.Length > 0 && text.All(c => c is '0' or '.') && text.Count(c => c == '.') <= 1 && text.Any(c => c == '0');
    }

    public static T Parse<T>(Func<T> parse, string option)
    {
        try
        {
            return parse();
        }
        catch (FormatException e)
        {
            throw new InvalidInputException($"invalid {option}: {e.Message}", e);
        }
    }
}
