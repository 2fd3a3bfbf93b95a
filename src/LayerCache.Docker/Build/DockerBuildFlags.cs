namespace LayerCache.Docker.Build;

/// <summary>
/// Every <c>docker build</c> flag of docker 28 (the legacy builder's <c>docker build --help</c> and
/// <c>docker buildx build</c>, which <c>docker build</c> is when the buildx plugin is there) and of
/// docker 20.10 (including its BuildKit-only <c>--secret</c>, <c>--ssh</c>, <c>--output</c>,
/// <c>--progress</c>), with what layercache does with each. A flag not in this table is passed to the
/// target build only, where docker judges it.
/// </summary>
/// <remarks>
/// <code>
/// flag                    treatment    first class  why
/// --add-host              every pass   yes          a RUN resolves hosts with it
/// --allow                 every pass                entitlements a RUN needs (buildx)
/// --annotation            target only               metadata of the user's image (buildx)
/// --attest                target only               attestations of the user's image (buildx)
/// --build-arg             refused      yes          changes FROM lines and the key: use layercache's --build-arg
/// --build-context         refused                   replaces stages or images: the plan would be wrong
/// --builder               every pass                the buildx builder every pass must use (buildx)
/// --cache-from            every pass                more cache sources, for every pass
/// --cache-to              target only               exports the target's cache (buildx)
/// --call                  target only               what the target build does (check, outline; buildx)
/// --cgroup-parent         every pass                RUN resources
/// --check                 target only               --call=check (buildx)
/// --compress              every pass                context transfer only
/// --cpu-period            every pass                RUN resources (legacy)
/// --cpu-quota             every pass                RUN resources (legacy)
/// -c, --cpu-shares        every pass                RUN resources (legacy)
/// --cpuset-cpus           every pass                RUN resources (legacy)
/// --cpuset-mems           every pass                RUN resources (legacy)
/// -D, --debug             target only               debugging the target build (buildx)
/// --disable-content-trust every pass                base image verification
/// -f, --file              refused      yes          the Dockerfile is planned: use layercache's -f
/// --force-rm              every pass                intermediate containers (legacy)
/// --iidfile               target only  yes          the target's image id (a pass's id would overwrite it)
/// --isolation             every pass                RUN isolation (legacy, Windows)
/// --label                 target only  yes          metadata of the user's image
/// --load                  target only  yes          an output of the user's image
/// -m, --memory            every pass                RUN resources (legacy)
/// --memory-swap           every pass                RUN resources (legacy)
/// --metadata-file         target only  yes          the target build's metadata
/// --network               every pass   yes          RUN networking
/// --no-cache              target only  yes          rebuild the target; the passes then hit its results
/// --no-cache-filter       target only               rebuild some stages of the target (buildx)
/// -o, --output            target only  yes          outputs of the user's image
/// --platform              every pass   yes          the platform of every stage; in the cache key; one platform only
/// --progress              target only  yes          display; layercache reads plain progress, quiet = -q
/// --provenance            target only               attestations of the user's image (buildx)
/// --pull                  target only  yes          pull newer bases for the target build
/// --push                  target only  yes          an output of the user's image
/// -q, --quiet             target only  yes          docker's output hidden, stdout is the image id
/// --rm                    every pass                intermediate containers (legacy)
/// --sbom                  target only               attestations of the user's image (buildx)
/// --secret                every pass   yes          RUN --mount=type=secret needs it in every pass
/// --security-opt          every pass                RUN security options (legacy)
/// --shm-size              every pass                RUN resources
/// --squash                target only               squashes the user's image (legacy, experimental)
/// --ssh                   every pass   yes          RUN --mount=type=ssh needs it in every pass
/// --stream                every pass                context transfer (20.10, experimental)
/// -t, --tag               refused      yes          tags of the target only: use layercache's -t
/// --target                refused      yes          the target is planned: use layercache's --target
/// --ulimit                every pass                RUN resources
/// </code>
/// </remarks>
public static class DockerBuildFlags
{
    /// <summary>The table, one row per flag.</summary>
    public static IReadOnlyList<DockerBuildFlag> All { get; } =
    [
        new("--add-host", null, true, DockerFlagTreatment.EveryPass, true, "a RUN resolves hosts with it"),
        new("--allow", null, true, DockerFlagTreatment.EveryPass, false, "entitlements a RUN needs"),
        new("--annotation", null, true, DockerFlagTreatment.TargetOnly, false, "metadata of the user's image"),
        new("--attest", null, true, DockerFlagTreatment.TargetOnly, false, "attestations of the user's image"),
        new("--build-arg", null, true, DockerFlagTreatment.Refused, true, "build args change FROM lines and the cache key"),
        new("--build-context", null, true, DockerFlagTreatment.Refused, false, "a named context replaces a stage or image, so the planned stages would be wrong"),
        new("--builder", null, true, DockerFlagTreatment.EveryPass, false, "every pass must use the same buildx builder"),
        new("--cache-from", null, true, DockerFlagTreatment.EveryPass, false, "more cache sources"),
        new("--cache-to", null, true, DockerFlagTreatment.TargetOnly, false, "exports the target build's cache"),
        new("--call", null, true, DockerFlagTreatment.TargetOnly, false, "what the target build does"),
        new("--cgroup-parent", null, true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
        new("--check", null, false, DockerFlagTreatment.TargetOnly, false, "checks the target build"),
        new("--compress", null, false, DockerFlagTreatment.EveryPass, false, "context transfer only"),
        new("--cpu-period", null, true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
        new("--cpu-quota", null, true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
        new("--cpu-shares", "-c", true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
        new("--cpuset-cpus", null, true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
        new("--cpuset-mems", null, true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
        new("--debug", "-D", false, DockerFlagTreatment.TargetOnly, false, "debugs the target build"),
        new("--disable-content-trust", null, false, DockerFlagTreatment.EveryPass, false, "base image verification"),
        new("--file", "-f", true, DockerFlagTreatment.Refused, true, "the Dockerfile is parsed to plan the stages"),
        new("--force-rm", null, false, DockerFlagTreatment.EveryPass, false, "intermediate containers"),
        new("--iidfile", null, true, DockerFlagTreatment.TargetOnly, true, "the target's image id"),
        new("--isolation", null, true, DockerFlagTreatment.EveryPass, false, "RUN isolation"),
        new("--label", null, true, DockerFlagTreatment.TargetOnly, true, "metadata of the user's image"),
        new("--load", null, false, DockerFlagTreatment.TargetOnly, true, "an output of the user's image"),
        new("--memory", "-m", true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
        new("--memory-swap", null, true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
        new("--metadata-file", null, true, DockerFlagTreatment.TargetOnly, true, "the target build's metadata"),
        new("--network", null, true, DockerFlagTreatment.EveryPass, true, "RUN networking"),
        new("--no-cache", null, false, DockerFlagTreatment.TargetOnly, true, "rebuilds the target; the passes then hit its results"),
        new("--no-cache-filter", null, true, DockerFlagTreatment.TargetOnly, false, "rebuilds some stages of the target"),
        new("--output", "-o", true, DockerFlagTreatment.TargetOnly, true, "outputs of the user's image"),
        new("--platform", null, true, DockerFlagTreatment.EveryPass, true, "the platform of every stage, part of the cache key"),
        new("--progress", null, true, DockerFlagTreatment.TargetOnly, true, "display only"),
        new("--provenance", null, true, DockerFlagTreatment.TargetOnly, false, "attestations of the user's image"),
        new("--pull", null, false, DockerFlagTreatment.TargetOnly, true, "pulls newer bases for the target build"),
        new("--push", null, false, DockerFlagTreatment.TargetOnly, true, "an output of the user's image"),
        new("--quiet", "-q", false, DockerFlagTreatment.TargetOnly, true, "docker's output hidden, stdout is the image id"),
        new("--rm", null, false, DockerFlagTreatment.EveryPass, false, "intermediate containers"),
        new("--sbom", null, true, DockerFlagTreatment.TargetOnly, false, "attestations of the user's image"),
        new("--secret", null, true, DockerFlagTreatment.EveryPass, true, "RUN --mount=type=secret needs it in every pass"),
        new("--security-opt", null, true, DockerFlagTreatment.EveryPass, false, "RUN security options"),
        new("--shm-size", null, true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
        new("--squash", null, false, DockerFlagTreatment.TargetOnly, false, "squashes the user's image"),
        new("--ssh", null, true, DockerFlagTreatment.EveryPass, true, "RUN --mount=type=ssh needs it in every pass"),
        new("--stream", null, false, DockerFlagTreatment.EveryPass, false, "context transfer"),
        new("--tag", "-t", true, DockerFlagTreatment.Refused, true, "tags go to the target image only"),
        new("--target", null, true, DockerFlagTreatment.Refused, true, "the target decides which stages are planned and cached"),
        new("--ulimit", null, true, DockerFlagTreatment.EveryPass, false, "RUN resources"),
    ];

    /// <summary>The flag a command-line word names (<c>--network</c>, <c>--network=none</c>, <c>-q</c>, <c>-tapp</c>), or null.</summary>
    public static DockerBuildFlag? Find(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.StartsWith("--", StringComparison.Ordinal))
        {
            var name = word.Split('=', 2)[0];
            return All.FirstOrDefault(f => f.Name == name);
        }

        return word.Length >= 2 && word[0] == '-' ? All.FirstOrDefault(f => f.Short is { } s && s[1] == word[1]) : null;
    }

    /// <summary>
    /// A command line to print: each <c>--build-arg K=V</c> becomes <c>--build-arg K=***</c>, since
    /// build args carry tokens and docker itself never prints their values.
    /// </summary>
    public static IReadOnlyList<string> Redact(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var result = new List<string>(arguments.Count);
        for (var i = 0; i < arguments.Count; i++)
        {
            var word = arguments[i];
            if (word == "--build-arg" && i + 1 < arguments.Count)
            {
                result.Add(word);
                result.Add(RedactAssignment(arguments[++i]));
            }
            else if (word.StartsWith("--build-arg=", StringComparison.Ordinal))
            {
                result.Add("--build-arg=" + RedactAssignment(word["--build-arg=".Length..]));
            }
            else
            {
                result.Add(word);
            }
        }

        return result;
    }

    private static string RedactAssignment(string assignment)
    {
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? assignment : assignment[..(eq + 1)] + "***";
    }
}
