namespace LayerCache.Cli.Commands;

/// <summary>
/// Splits a command line at the first <c>--</c>: what follows goes to <c>docker build</c> untouched.
/// Like docker's own syntax, the build context may be the last word after <c>--</c>.
/// </summary>
internal static class PassThrough
{
    public static (string[] Own, string[] Docker) Split(string[] args)
    {
        var at = Array.IndexOf(args, "--");
        return at < 0 ? (args, []) : (args[..at], args[(at + 1)..]);
    }

    /// <summary>The context: the positional argument, else the last pass-through word, else ".".</summary>
    public static (string Context, IReadOnlyList<string> Docker) ResolveContext(string? positional, IReadOnlyList<string> docker)
    {
        if (positional is not null)
        {
            return (positional, docker);
        }

        if (docker.Count > 0 && !docker[^1].StartsWith('-') && Directory.Exists(docker[^1]))
        {
            return (docker[^1], docker.Take(docker.Count - 1).ToList());
        }

        return (".", docker);
    }
}
