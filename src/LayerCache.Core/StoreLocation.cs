namespace LayerCache.Core;

/// <summary>
/// Where the cache lives, from <c>--cache</c>: <c>dir:PATH</c> (the default, <c>dir:.layercache</c>),
/// or a bare path. The directory is an OCI Image Layout that the CI's own file cache persists.
/// </summary>
public sealed record StoreLocation(string Directory)
{
    /// <summary>The default store: <c>.layercache</c> in the working directory.</summary>
    public static StoreLocation Default { get; } = new(".layercache");

    /// <summary>Parses a <c>--cache</c> value.</summary>
    /// <exception cref="InvalidInputException">The value names a kind of store this version cannot use.</exception>
    public static StoreLocation Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.StartsWith("dir:", StringComparison.Ordinal))
        {
            var path = value["dir:".Length..];
            return path.Length == 0 ? throw new InvalidInputException("invalid --cache \"dir:\": the directory is missing (dir:PATH)") : new StoreLocation(path);
        }

        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            throw new InvalidInputException($"invalid --cache \"{value}\": this version stores caches in directories only (dir:PATH); {value[..scheme]}:// stores are not available yet");
        }

        if (value.Length == 0)
        {
            throw new InvalidInputException("invalid --cache \"\": expected dir:PATH");
        }

        return new StoreLocation(value);
    }

    /// <inheritdoc/>
    public override string ToString() => "dir:" + Directory;
}
