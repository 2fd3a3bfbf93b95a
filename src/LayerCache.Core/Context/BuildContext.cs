using System.Runtime.InteropServices;
using LayerCache.Core.Inputs;

namespace LayerCache.Core.Context;

/// <summary>
/// What of a local directory a build sends as its context: the walk of moby's <c>TarWithOptions</c>
/// (docker/cli) and fsutil (BuildKit), which skip an excluded directory whole unless an exception
/// pattern reaches inside it.
/// </summary>
public static class BuildContext
{
    /// <summary>
    /// Whether the directory at the slash-separated <paramref name="relativePath"/> (under the context)
    /// would be sent, at least in part. An excluded directory that an exception (<c>!…</c>) pattern
    /// names something inside is walked, so it counts as sent.
    /// </summary>
    public static bool Sends(PatternMatcher matcher, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        ArgumentNullException.ThrowIfNull(relativePath);
        var parts = relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var depth = 1; depth <= parts.Length; depth++)
        {
            var directory = string.Join('/', parts[..depth]);
            if (!matcher.MatchesOrParentMatches(directory))
            {
                continue;
            }

            // TarWithOptions: an excluded directory is skipped unless an exception starts inside it.
            var inside = directory + "/";
            if (!matcher.ExclusionPatterns.Any(p => (p + "/").StartsWith(inside, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        // Not excluded, or excluded but walked into for an exception: something of it is sent.
        return true;
    }

    /// <summary>
    /// Refuses a store that the build context would include: it would be sent with every build (the
    /// context grows each run), bust <c>COPY . .</c> every time, and ship in the image with the layers
    /// of every stage. A store excluded by the .dockerignore the build uses is fine.
    /// </summary>
    /// <exception cref="InvalidInputException">The store is inside the context and not excluded, or the ignore file is unusable.</exception>
    public static async Task EnsureStoreNotSentAsync(StoreLocation store, string context, string dockerfile, bool buildKit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(context);
        if (store.Kind != StoreKind.Directory || !Directory.Exists(context))
        {
            // A URL, '-' or a missing directory: docker reports it; nothing local can contain the store.
            return;
        }

        var root = RealPath(context);
        var directory = RealPath(store.Directory);
        string relative;
        if (directory == root)
        {
            relative = string.Empty;
        }
        else if (directory.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            relative = directory[(root.TrimEnd('/').Length + 1)..];
        }
        else
        {
            return;
        }

        var ignore = DockerIgnoreFile.Find(context, dockerfile, buildKit);
        var sent = relative.Length == 0 || ignore is null || Sends(await DockerIgnoreFile.ReadAsync(ignore, cancellationToken), relative);
        if (!sent)
        {
            return;
        }

        var fix = relative.Length == 0
            ? "use a store outside it"
            : $"add /{relative} to {ignore ?? Path.Combine(context, ".dockerignore")}, or use a store outside it";
        throw new InvalidInputException(
            $"the cache store {store} is inside the build context {context} and would be sent with every build and ship in the image: {fix} (the default ~/.cache/layercache, {StoreLocation.EnvironmentVariable} or --cache)");
    }

    /// <summary>The path with every symlink resolved; a part that does not exist yet is appended as given.</summary>
    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var missing = new Stack<string>();
        var existing = full;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            missing.Push(Path.GetFileName(existing));
            existing = parent;
        }

        var resolved = OperatingSystem.IsLinux() ? NativeMethods.RealPath(existing) ?? existing : existing;
        while (missing.Count > 0)
        {
            resolved = Path.Combine(resolved, missing.Pop());
        }

        return resolved;
    }
}
