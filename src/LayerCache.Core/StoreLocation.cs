namespace LayerCache.Core;

/// <summary>
/// Where the cache lives: <c>--cache</c>, else <c>LAYERCACHE_CACHE</c>, else the user's cache directory
/// (<c>$XDG_CACHE_HOME/layercache</c>, else <c>~/.cache/layercache</c>). A parsed union of the store
/// kinds (<see cref="Kind"/>): a directory (<c>dir:PATH</c>, an OCI Image Layout that the CI's own file
/// cache persists) or a registry repository (<c>registry://HOST[:PORT]/REPO</c>). Opened once per run
/// by <see cref="CacheStoreFactory"/>.
/// </summary>
/// <remarks>
/// The default is outside every usual build context on purpose: a store inside the context is sent
/// to the engine with it, busts <c>COPY . .</c> on every run and ships in the image. It is one store
/// per user, not per project: entries are already told apart by scope (project/branch), and a CI
/// recipe can only cache a path it can name.
/// </remarks>
public sealed record StoreLocation
{
    private readonly string? _directory;

    /// <summary>A directory store at <paramref name="directory"/>.</summary>
    public StoreLocation(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        _directory = directory;
        Kind = StoreKind.Directory;
    }

    /// <summary>A registry store in the repository <paramref name="registry"/>.</summary>
    public StoreLocation(RegistryStoreAddress registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Registry = registry;
        Kind = StoreKind.Registry;
    }

    /// <summary>Which kind of store this is.</summary>
    public StoreKind Kind { get; }

    /// <summary>The directory of a <see cref="StoreKind.Directory"/> store.</summary>
    /// <exception cref="InvalidOperationException">The store is not a directory (check <see cref="Kind"/>).</exception>
    public string Directory => _directory ?? throw new InvalidOperationException($"{this} is not a directory store");

    /// <summary>The repository of a <see cref="StoreKind.Registry"/> store; null for a directory.</summary>
    public RegistryStoreAddress? Registry { get; }

    /// <summary>The environment variable that overrides the default store (same syntax as <c>--cache</c>).</summary>
    public const string EnvironmentVariable = "LAYERCACHE_CACHE";

    /// <summary>The store kinds this version can use, as error messages name them.</summary>
    public const string Supported = "dir:PATH, a directory path such as ./cache or /var/cache/layercache, or registry://HOST[:PORT]/REPOSITORY";

    /// <summary>Parses a <c>--cache</c> (or <c>LAYERCACHE_CACHE</c>) value.</summary>
    /// <remarks>
    /// Wrong words must fail loudly rather than become a directory of that name: <c>dir:PATH</c> is a
    /// directory; <c>registry://HOST[:PORT]/REPO</c> a registry repository, validated here; any other
    /// <c>word:</c> prefix is an unknown kind; buildx's <c>type=…,dest=…</c> is not our syntax. A bare
    /// value is a directory only when it reads as a path: it has a <c>/</c>, starts with <c>.</c> or
    /// <c>~</c>, or names an existing directory (<c>cache</c> alone is a typo as often as a path).
    /// </remarks>
    /// <param name="value">The value.</param>
    /// <param name="option">How the value was given, for the error line (<c>--cache</c> or <c>LAYERCACHE_CACHE</c>).</param>
    /// <param name="environment">Where <c>HOME</c> comes from for a leading <c>~/</c> (CI files such as a
    /// workflow's <c>env:</c> do not expand it the way a shell does); null leaves <c>~</c> alone.</param>
    /// <exception cref="InvalidInputException">The value is not a store this version can use.</exception>
    public static StoreLocation Parse(string value, string option = "--cache", Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.StartsWith("dir:", StringComparison.Ordinal))
        {
            var path = value["dir:".Length..];
            return path.Length == 0 ? throw Invalid(value, option, "the directory is missing (dir:PATH)") : new StoreLocation(ExpandHome(path, environment));
        }

        if (value.Length == 0)
        {
            throw Invalid(value, option, $"expected {Supported}");
        }

        if (Scheme(value) is { } scheme)
        {
            if (!scheme.Equals("registry", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(value, option, $"unknown store kind \"{scheme}:\"; supported: {Supported} (write ./{value} for a directory of that name)");
            }

            if (!value[scheme.Length..].StartsWith("://", StringComparison.Ordinal))
            {
                throw Invalid(value, option, $"expected registry://HOST[:PORT]/REPOSITORY; supported: {Supported}");
            }

            return RegistryStoreAddress.TryParse(value[(scheme.Length + 3)..], out var problem) is { } registry
                ? new StoreLocation(registry)
                : throw Invalid(value, option, $"{problem}; supported: {Supported}");
        }

        if (value.StartsWith("type=", StringComparison.Ordinal) || (value[0] is not ('.' or '/' or '~') && value.Contains('=', StringComparison.Ordinal) && value.Contains(',', StringComparison.Ordinal)))
        {
            throw Invalid(value, option, $"that is buildx's --cache-to syntax; layercache's store is {Supported}");
        }

        if (value.Contains('/', StringComparison.Ordinal) || value[0] is '.' or '~' || System.IO.Directory.Exists(value))
        {
            return new StoreLocation(ExpandHome(value, environment));
        }

        throw Invalid(value, option, $"not a store; supported: {Supported} (write ./{value} for a new directory of that name)");
    }

    /// <summary>The store to use: <paramref name="option"/> (<c>--cache</c>) if given, else <c>LAYERCACHE_CACHE</c>, else the default.</summary>
    /// <exception cref="InvalidInputException">A value is not a store, or no default can be found.</exception>
    public static StoreLocation Resolve(string? option, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (option is not null)
        {
            return Parse(option, "--cache", environment);
        }

        return environment(EnvironmentVariable) is { Length: > 0 } fromEnvironment
            ? Parse(fromEnvironment, EnvironmentVariable, environment)
            : DefaultFor(environment);
    }

    /// <summary>The default store: <c>$XDG_CACHE_HOME/layercache</c>, else <c>$HOME/.cache/layercache</c>.</summary>
    /// <exception cref="InvalidInputException">No home directory is known.</exception>
    public static StoreLocation DefaultFor(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);

        // The XDG spec: a relative XDG_CACHE_HOME is invalid and must be ignored.
        if (environment("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return new StoreLocation(Path.Combine(xdg, "layercache"));
        }

        if (environment("HOME") is { Length: > 0 } home && Path.IsPathRooted(home))
        {
            return new StoreLocation(Path.Combine(home, ".cache", "layercache"));
        }

        // No HOME (some CI containers): the account's home directory from the user database.
        if (Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } profile && Path.IsPathRooted(profile))
        {
            return new StoreLocation(Path.Combine(profile, ".cache", "layercache"));
        }

        throw new InvalidInputException($"no default cache store: neither XDG_CACHE_HOME nor HOME is set; pass --cache dir:PATH or set {EnvironmentVariable}");
    }

    /// <inheritdoc/>
    public override string ToString() => Kind == StoreKind.Registry ? Registry!.ToString() : "dir:" + _directory;

    /// <summary><c>~</c> or <c>~/…</c> under <c>$HOME</c>, as a shell would have expanded it.</summary>
    private static string ExpandHome(string path, Func<string, string?>? environment)
    {
        if (environment?.Invoke("HOME") is not { Length: > 0 } home || !(path == "~" || path.StartsWith("~/", StringComparison.Ordinal)))
        {
            return path;
        }

        return path.Length == 1 ? home : Path.Combine(home, path[2..]);
    }

    /// <summary>The <c>word</c> of a leading <c>word:</c> (RFC 3986 scheme characters), or null.</summary>
    private static string? Scheme(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !char.IsAsciiLetter(value[0]))
        {
            return null;
        }

        var word = value[..colon];
        return word.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? word : null;
    }

    private static InvalidInputException Invalid(string value, string option, string why) => new($"invalid {option} \"{value}\": {why}");
}
