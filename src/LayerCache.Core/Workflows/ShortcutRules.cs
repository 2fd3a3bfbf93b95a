using System.Text.RegularExpressions;
using LayerCache.Docker.Build;
using LayerCache.Dockerfile;
using LayerCache.Oci;

namespace LayerCache.Core.Workflows;

/// <summary>
/// When the inputs shortcut may stand in for a build: never when something could make docker build
/// differently than the digest can tell (a flag that rebuilds or pulls, content the digest cannot see,
/// an output other than the local image, a flag layercache does not know). A pure decision, so each
/// rule is unit-tested; everything else that changes a build is in the digest itself.
/// </summary>
internal static partial class ShortcutRules
{
    /// <summary>
    /// The docker flags that go into the inputs digest: every flag as given, except those that only
    /// change how the build is shown or where its id is written (<c>--iidfile</c>; <c>-q</c> and
    /// <c>--progress</c> never reach the lists).
    /// </summary>
    public static IReadOnlyList<string> DigestedFlags(DockerBuildArguments docker)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var result = new List<string>();
        foreach (var (flag, words) in Flags(docker))
        {
            if (flag?.Name != "--iidfile")
            {
                result.AddRange(words);
            }
        }

        return result;
    }

    /// <summary>True when the user asked for the image in the engine (<c>--load</c>) even when it is pushed.</summary>
    public static bool Loads(DockerBuildArguments docker) => Flags(docker).Any(f => f.Flag?.Name == "--load");

    /// <summary>The <c>--iidfile</c> path the user asked for, or null.</summary>
    public static string? IidFile(DockerBuildArguments docker) =>
        Flags(docker).LastOrDefault(f => f.Flag?.Name == "--iidfile") is { Flag: not null } found ? Value(found.Words) : null;

    /// <summary>Why the shortcut must not be taken, one line each; empty when it may.</summary>
    public static IReadOnlyList<string> Refusals(
        DockerBuildArguments docker, BuildPlan plan, IReadOnlyDictionary<string, Digest?> baseImages, string? syntax, bool buildKit, bool contextIsDirectory)
    {
        ArgumentNullException.ThrowIfNull(docker);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(baseImages);
        var reasons = new List<string>();
        if (!contextIsDirectory)
        {
            reasons.Add("the build context is not a local directory, so its content cannot be digested");
        }

        foreach (var (flag, words) in Flags(docker))
        {
            if (FlagRefusal(flag, words) is { } why)
            {
                reasons.Add(why);
            }
        }

        foreach (var (image, digest) in baseImages)
        {
            if (digest is null)
            {
                reasons.Add($"base image {image} is not in the engine, so the build would look for it");
            }
        }

        if (buildKit && syntax is not null && !syntax.Contains("@sha256:", StringComparison.Ordinal))
        {
            reasons.Add($"the Dockerfile's '# syntax={syntax}' frontend may move between builds: pin it by digest (…@sha256:…) to allow the shortcut");
        }

        foreach (var stage in plan.AllStages.Where(s => s.Index <= plan.Target.Index))
        {
            foreach (var instruction in stage.Instructions)
            {
                if (instruction.Keyword == "add" && instruction.GetFlag("checksum") is null && instruction.Arguments.SkipLast(1).Any(IsRemote))
                {
                    reasons.Add($"stage {stage.DisplayName}: '{Short(instruction.Original)}' adds remote content the digest cannot see (docker checks it every build)");
                }
            }
        }

        return reasons;
    }

    private static string? FlagRefusal(DockerBuildFlag? flag, IReadOnlyList<string> words)
    {
        if (flag is null)
        {
            return $"'{words[0]}' is not a docker build flag layercache knows, so it cannot tell what it changes";
        }

        return flag.Name switch
        {
            "--no-cache" => "--no-cache: docker would run every step again",
            "--no-cache-filter" => "--no-cache-filter: docker would run those stages' steps again",
            "--pull" => "--pull: docker would look for newer base images",
            "--secret" => "--secret: the secret's content is invisible to the inputs digest, so a changed secret could not be seen",
            "--ssh" => "--ssh: what the SSH agent or keys give the build is invisible to the inputs digest",
            "--push" => "--push: the build pushes its image, an output other than the local image",
            "--output" => $"{words[0]}: the build writes an output other than the local image",
            "--cache-to" => "--cache-to: the build exports its cache",
            "--cache-from" => "--cache-from: the build would take steps from images the inputs digest cannot see",
            "--metadata-file" => "--metadata-file: only a build writes its metadata",
            "--call" or "--check" => $"{flag.Name}: the build does not (only) make an image",
            "--attest" or "--sbom" or "--provenance" => $"{flag.Name}: attestations are made by the build",
            "--build-context" => "--build-context: a named context the inputs digest does not read",
            _ => null,
        };
    }

    /// <summary>Each flag with the words it took (the flag, then its value when given as the next word); null for an unknown word.</summary>
    private static IEnumerable<(DockerBuildFlag? Flag, IReadOnlyList<string> Words)> Flags(DockerBuildArguments docker)
    {
        foreach (var words in new[] { docker.EveryPass, docker.TargetOnly })
        {
            for (var i = 0; i < words.Count; i++)
            {
                var word = words[i];
                var flag = word.StartsWith('-') && word != "-" ? DockerBuildFlags.Find(word) : null;
                var separate = flag is { TakesValue: true }
                    && (word.StartsWith("--", StringComparison.Ordinal) ? !word.Contains('=', StringComparison.Ordinal) : word.Length == 2);
                if (separate && i + 1 < words.Count)
                {
                    yield return (flag, [word, words[++i]]);
                }
                else
                {
                    yield return (flag, [word]);
                }
            }
        }
    }

    private static string Value(IReadOnlyList<string> words)
    {
        if (words.Count > 1)
        {
            return words[1];
        }

        var word = words[0];
        var eq = word.IndexOf('=', StringComparison.Ordinal);
        return eq >= 0 ? word[(eq + 1)..] : string.Empty;
    }

    private static bool IsRemote(string source) => RemoteSource().IsMatch(source.Trim('"', '\''));

    private static string Short(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 60 ? line : line[..59] + "…";
    }

    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9+.-]*://|git@)")]
    private static partial Regex RemoteSource();
}
