using LayerCache.Core;
using LayerCache.Docker.Build;

namespace LayerCache.Cli.Commands;

/// <summary>
/// Splits a command line at the first <c>--</c>: what follows goes to <c>docker build</c>, sorted by
/// <see cref="DockerBuildFlags"/> into flags for every build and flags for the target build only.
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

    /// <summary>
    /// Sorts docker build flags: <paramref name="firstClass"/> (layercache's own spelling of docker's
    /// flags, always allowed) then <paramref name="passThrough"/> (after <c>--</c>, where a flag that
    /// would change the plan is refused).
    /// </summary>
    /// <exception cref="InvalidInputException">A refused flag, or more than one platform.</exception>
    public static DockerBuildArguments Classify(IReadOnlyList<string> firstClass, IReadOnlyList<string> passThrough)
    {
        var every = new List<string>();
        var target = new List<string>();
        string? platform = null;
        var quiet = false;
        var outputs = false;
        foreach (var (words, afterDashes) in new[] { (firstClass, false), (passThrough, true) })
        {
            for (var i = 0; i < words.Count; i++)
            {
                var word = words[i];
                var flag = word.StartsWith('-') && word != "-" ? DockerBuildFlags.Find(word) : null;
                if (flag is null)
                {
                    // Not a docker build flag we know (a newer one, or a stray word): docker judges it, for the target build only.
                    target.Add(word);
                    continue;
                }

                // The value: "--flag=value", "-tvalue", or the next word.
                string? value = null;
                var taken = new List<string> { word };
                if (word.StartsWith("--", StringComparison.Ordinal) && word.Contains('=', StringComparison.Ordinal))
                {
                    value = word[(word.IndexOf('=', StringComparison.Ordinal) + 1)..];
                }
                else if (!word.StartsWith("--", StringComparison.Ordinal) && word.Length > 2)
                {
                    value = word[2..];
                }
                else if (flag.TakesValue && i + 1 < words.Count)
                {
                    value = words[++i];
                    taken.Add(value);
                }

                if (afterDashes && flag.Treatment == DockerFlagTreatment.Refused)
                {
                    throw new InvalidInputException(flag.FirstClass
                        ? $"'{word}' after -- is refused ({flag.Why}): use layercache's own {flag.Name}{(flag.Short is { } s ? $"/{s}" : string.Empty)} before --"
                        : $"'{word}' after -- is refused: {flag.Why}, which layercache does not support");
                }

                switch (flag.Name)
                {
                    case "--platform":
                        platform = Platform(value, word);
                        break;
                    case "--quiet":
                        quiet = value is null || BuilderChoice.ParseGoBool(value) is true;
                        continue;
                    case "--progress":
                        // layercache reads BuildKit's plain progress; "quiet" is docker's -q.
                        quiet |= value == "quiet";
                        continue;
                    case "--load" or "--push" or "--output":
                        outputs = true;
                        break;
                }

                (flag.Treatment == DockerFlagTreatment.EveryPass ? every : target).AddRange(taken);
            }
        }

        return new DockerBuildArguments { EveryPass = every, TargetOnly = target, Platform = platform, Quiet = quiet, UserOutputs = outputs };
    }

    private static string Platform(string? value, string word)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidInputException($"'{word}' needs a platform (linux/amd64)");
        }

        if (value.Contains(',', StringComparison.Ordinal))
        {
            // One build per platform is what the cache keys and stage images are: a multi-platform
            // image has a stage image per platform, which the engine's image store cannot hold.
            throw new InvalidInputException($"--platform {value}: multi-platform builds are not supported; build one platform per run (--platform {value.Split(',')[0].Trim()})");
        }

        return value.Trim().ToLowerInvariant();
    }
}
