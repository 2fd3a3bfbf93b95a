using System.Diagnostics;
using LayerCache.Core.Reports;
using LayerCache.Docker.Build;

namespace LayerCache.Core.Workflows;

/// <summary>
/// Builds the target and gives every stage the builder runs (BuildKit: those the target needs;
/// classic: every stage up to the target) an image with a tag of its own, to be saved and passed
/// back as <c>--cache-from</c> next time. The classic builder prints each stage's image id,
/// so those are tagged from the target build's output; BuildKit does not, so each other stage gets a
/// <c>docker build --target</c> pass, which BuildKit's own cache makes a cached one. This is seed
/// 004's by-hand recipe, done for every stage automatically. BuildKit builds get
/// <c>BUILDKIT_INLINE_CACHE=1</c>: without it their images carry no cache metadata and
/// <c>--cache-from</c> cannot hit.
/// </summary>
internal sealed class StageBuilds(CacheRun run, DockerCliBuilder cli)
{
    public const string InlineCacheArg = "BUILDKIT_INLINE_CACHE";

    public async Task<StageBuildsResult> BuildAsync(IReadOnlyList<string> cacheFrom, IReadOnlyList<string> userTags, DockerBuildArguments docker, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var plan = run.Dockerfile.Plan;
        var clock = Stopwatch.StartNew();
        var stageTags = new Dictionary<string, string>(StringComparer.Ordinal);
        var reports = new List<StageBuildReport>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var steps = new Dictionary<string, List<StepReport>>(StringComparer.Ordinal);
        var notes = new Dictionary<string, string>(StringComparer.Ordinal);

        var buildArgs = new Dictionary<string, string>(run.Options.BuildArgs, StringComparer.Ordinal);
        if (cli.Builder == BuilderKind.BuildKit)
        {
            buildArgs[InlineCacheArg] = "1";
        }

        // The target first: it is the user's result, and its build runs every stage it needs, so
        // the per-stage passes after it (BuildKit, or a classic stage whose id the output lacked) are
        // cached passes that only tag each stage's image. When the target's build ran nothing and a
        // restore put back every stage's image, those images stand as they are and the passes are
        // skipped (an unchanged rerun costs one build).
        // Cache what the builder in use executes. BuildKit solves the target's graph: the stages it
        // needs. The classic builder runs every stage up to the target, in file order, needed or not
        // (moby builder/dockerfile/builder.go: the stages are cut at the target, then all dispatched),
        // so on a fresh runner an uncached unneeded stage would run again every time.
        var executed = cli.Builder == BuilderKind.Classic
            ? plan.AllStages.Where(s => s.Index <= plan.Target.Index).ToList()
            : plan.Stages.ToList();
        foreach (var unnamed in executed.Where(s => s.Name is null && s.Index != plan.Target.Index && cli.Builder == BuilderKind.BuildKit))
        {
            // docker build --target takes names only, so an unnamed stage has no image of its own.
            notes[unnamed.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                $"stage {unnamed.Index} has no name, so it is cached only as part of the stages that use it: name it (FROM … AS name)";
        }

        var order = executed.Where(s => s.Index == plan.Target.Index).Concat(executed.Where(s => s.Index != plan.Target.Index)).ToList();
        HashSet<int>? passesFor = null;
        (string? Id, LayerCache.Docker.DockerImage? Image) target = (null, null);
        foreach (var stage in order)
        {
            var isTarget = stage.Index == plan.Target.Index;
            if (passesFor is not null && !passesFor.Contains(stage.Index))
            {
                continue;
            }

            var key = stage.Name ?? stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (stage.Name is null && !isTarget)
            {
                continue;
            }

            var tag = run.StageTag(stage.Name ?? "target");
            var request = new DockerBuildRequest
            {
                Context = run.Options.Context,
                Dockerfile = run.Options.Dockerfile,
                Target = stage.Name,
                Tags = isTarget ? [.. userTags, tag] : [tag],
                BuildArgs = buildArgs,
                CacheFrom = cacheFrom,
                // The target build is the user's docker build; the passes get only what changes what they build.
                ExtraArguments = isTarget ? [.. docker.EveryPass, .. docker.TargetOnly] : docker.EveryPass,
                LoadIntoEngine = !isTarget || !docker.UserOutputs,
            };
            run.Log($"building stage {key}: docker {string.Join(' ', cli.DisplayArguments(request))}");
            var result = await cli.BuildAsync(request, onLine, cancellationToken);
            Collect(result.Output, seen, steps);
            if (!result.Succeeded)
            {
                reports.AddRange(await ReportsAsync(executed, stageTags, steps, notes, cancellationToken));
                return new StageBuildsResult(stageTags, new BuildReport
                {
                    Builder = cli.Choice.Name,
                    BuilderReason = cli.Choice.Reason,
                    ExitCode = result.ExitCode,
                    Error = result.Output.Error,
                    Seconds = clock.Elapsed.TotalSeconds,
                    Stages = reports,
                });
            }

            stageTags[key] = tag;
            if (isTarget)
            {
                target = await TargetImageAsync(tag, result.Output, cancellationToken);
            }

            if (isTarget && cli.Builder == BuilderKind.Classic)
            {
                // The classic builder printed every stage's image id (" ---> id" after its last step):
                // tag those. A --target pass would not do: with --cache-from the classic builder takes
                // a local cache hit only from the parent chain of a --cache-from image, so the steps
                // this build just ran would run again in each pass (seen: 2x the build time when the
                // dependencies changed).
                var missing = await TagClassicStagesAsync(executed, plan.Target, result.Output, stageTags, notes, cancellationToken);
                await TagSharedStepsAsync(executed, result.Output, stageTags, cancellationToken);
                if (missing.Count == 0)
                {
                    break;
                }

                // A stage whose id the output did not show gets its own pass, which can at least hit
                // through the stages tagged just now.
                cacheFrom = [.. cacheFrom, .. stageTags.Values.Except(cacheFrom, StringComparer.Ordinal)];
                passesFor = missing;
                continue;
            }

            if (isTarget && result.Output.ExecutedSteps == 0 && result.Output.Steps.All(s => s.Status != BuildStepStatus.Failed))
            {
                var others = plan.Stages.Where(s => s.Index != plan.Target.Index && s.Name is not null).ToList();
                if (others.All(s => cacheFrom.Contains(run.StageTag(s.Name!))))
                {
                    run.Log("every step was cached: the restored stage images stand, no per-stage builds needed");
                    foreach (var other in others)
                    {
                        stageTags[other.Name!] = run.StageTag(other.Name!);
                    }

                    break;
                }
            }
        }

        return new StageBuildsResult(stageTags, new BuildReport
        {
            Builder = cli.Choice.Name,
            BuilderReason = cli.Choice.Reason,
            ImageId = target.Id,
            ImageDigest = ImageDigest(target.Image, userTags),
            RepoDigests = target.Image?.RepoDigests ?? [],
            Seconds = clock.Elapsed.TotalSeconds,
            Stages = await ReportsAsync(executed, stageTags, steps, notes, cancellationToken),
        });
    }

    /// <summary>The target image's full id (what <c>docker build -q</c> prints) and the engine's view of it: from the engine, else the id as the output told it.</summary>
    private async Task<(string? Id, LayerCache.Docker.DockerImage? Image)> TargetImageAsync(string tag, BuildOutput output, CancellationToken cancellationToken)
    {
        if (await InspectAsync(tag, cancellationToken) is { } image)
        {
            return (image.Id.Value, image);
        }

        return (output.ImageId, null);
    }

    /// <summary>An image as the engine has it, or null (not there, or no engine): only for the report.</summary>
    private async Task<LayerCache.Docker.DockerImage?> InspectAsync(string tag, CancellationToken cancellationToken)
    {
        if (!run.EngineAvailable)
        {
            return null;
        }

        try
        {
            return await run.Engine.InspectImageAsync(tag, cancellationToken);
        }
        catch (Exception e) when (e is LayerCache.Docker.DockerEngineException or LayerCache.Docker.DockerEngineUnavailableException)
        {
            return null;
        }
    }

    /// <summary>
    /// The manifest digest of a repository digest (<c>name@sha256:…</c>), preferring one of the
    /// user's own tags' repositories: an image built locally and never pushed or pulled has none.
    /// </summary>
    internal static string? ImageDigest(LayerCache.Docker.DockerImage? image, IReadOnlyList<string> userTags)
    {
        if (image is null || image.RepoDigests.Count == 0)
        {
            return null;
        }

        static string Repository(string reference)
        {
            var at = reference.IndexOf('@', StringComparison.Ordinal);
            var name = at < 0 ? reference : reference[..at];
            var colon = name.LastIndexOf(':');
            return colon > name.LastIndexOf('/') ? name[..colon] : name;
        }

        var repositories = userTags.Select(Repository).ToHashSet(StringComparer.Ordinal);
        var chosen = image.RepoDigests.FirstOrDefault(d => repositories.Contains(Repository(d)) || repositories.Contains("docker.io/library/" + Repository(d))) ?? image.RepoDigests[0];
        var digest = chosen[(chosen.IndexOf('@', StringComparison.Ordinal) + 1)..];
        return digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest : null;
    }

    /// <summary>
    /// Tags each stage's image from the classic builder's output of the target build (an unnamed
    /// stage by its index: the output tells its id as well); returns the indexes of the stages whose
    /// image id the output did not show.
    /// </summary>
    private async Task<HashSet<int>> TagClassicStagesAsync(IReadOnlyList<LayerCache.Dockerfile.Stage> executed, LayerCache.Dockerfile.Stage target, BuildOutput output, Dictionary<string, string> stageTags, Dictionary<string, string> notes, CancellationToken cancellationToken)
    {
        var missing = new HashSet<int>();
        foreach (var stage in executed.Where(s => s.Index != target.Index))
        {
            var key = stage.Name ?? stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var last = output.Steps.Where(s => s.StageIndex == stage.Index && s.ImageId is not null).MaxBy(s => s.Number);
            if (last is null)
            {
                missing.Add(stage.Index);
                if (stage.Name is null)
                {
                    notes[key] = $"stage {stage.Index} has no name and its image id was not in the build output, so it is not cached: name it (FROM … AS name)";
                }

                continue;
            }

            var tag = run.StageTag(key);
            await run.Engine.TagImageAsync(last.ImageId!, tag, cancellationToken);
            stageTags[key] = tag;
        }

        if (missing.Count == 0)
        {
            run.Log("tagged every stage's image from the build's output: no per-stage builds needed");
        }

        return missing;
    }

    /// <summary>The name prefix of a shared step's image in an entry: a Dockerfile stage name starts with a letter, so it cannot be one.</summary>
    internal const string SharedStepPrefix = "_shared-";

    /// <summary>
    /// Tags, to be saved with the stages, the image of every step that two stages built alike (the
    /// same image id in both: stages <c>FROM</c> one base that begin with the same instructions, such
    /// as a <c>WORKDIR</c>). The classic builder binds a stage to the first <c>--cache-from</c> image
    /// that matches a step which is not that image's last, so without an image that ends at the shared
    /// step, one of the two stages was bound to the other and missed every step after the shared ones
    /// (and every stage built on it). Listed shortest first on restore, each shared step's image is the
    /// match that ends there. They share their layers with the stages: the store adds only their configs.
    /// </summary>
    private async Task TagSharedStepsAsync(IReadOnlyList<LayerCache.Dockerfile.Stage> executed, BuildOutput output, Dictionary<string, string> stageTags, CancellationToken cancellationToken)
    {
        var indexes = executed.Select(s => s.Index).ToHashSet();
        var steps = output.Steps.Where(s => !s.IsFrom && s.ImageId is not null && s.StageIndex is { } i && indexes.Contains(i)).ToList();

        // A stage's own image is tagged already: it is the last step of its stage.
        var stageImages = steps.GroupBy(s => s.StageIndex).Select(g => g.MaxBy(s => s.Number)!.ImageId!).ToHashSet(StringComparer.Ordinal);
        var shared = steps
            .GroupBy(s => s.ImageId!, StringComparer.Ordinal)
            .Where(g => g.Select(s => s.StageIndex).Distinct().Count() > 1 && !stageImages.Contains(g.Key))
            .Select(g => g.Key)
            .ToList();
        foreach (var id in shared)
        {
            var key = SharedStepPrefix + id;
            var tag = run.StageTag(key);
            await run.Engine.TagImageAsync(id, tag, cancellationToken);
            stageTags[key] = tag;
        }

        if (shared.Count > 0)
        {
            run.Log($"tagged {shared.Count} step image(s) that stages share, so a restored classic build finds each stage's own images");
        }
    }

    /// <summary>Keeps the first report of each step: later stage builds see earlier stages' steps again, cached.</summary>
    private void Collect(BuildOutput output, HashSet<string> seen, Dictionary<string, List<StepReport>> steps)
    {
        foreach (var step in output.Steps)
        {
            if (step.IsFrom)
            {
                continue;
            }

            // A named stage by its name; an unnamed one by its index, as the report looks it up (BuildKit
            // labels it stage-N, which is no stage's name).
            var stage = step.StageIndex is { } index && !IsNamed(step.Stage)
                ? index.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : step.Stage ?? "?";
            if (!seen.Add($"{stage}\n{step.Number}\n{step.Instruction}"))
            {
                continue;
            }

            if (!steps.TryGetValue(stage, out var list))
            {
                steps[stage] = list = [];
            }

            var status = step.Status switch
            {
                BuildStepStatus.Cached => StepStatus.Cached,
                BuildStepStatus.Executed => StepStatus.Executed,
                BuildStepStatus.Failed => StepStatus.Failed,
                _ => StepStatus.Unknown,
            };
            list.Add(new StepReport(step.Number, step.Instruction, status, step.Duration?.TotalSeconds));
        }
    }

    private bool IsNamed(string? stage) => stage is not null && run.Dockerfile.Plan.AllStages.Any(s => s.Name == stage);

    private async Task<List<StageBuildReport>> ReportsAsync(IReadOnlyList<LayerCache.Dockerfile.Stage> executed, Dictionary<string, string> stageTags, Dictionary<string, List<StepReport>> steps, Dictionary<string, string> notes, CancellationToken cancellationToken)
    {
        var reports = new List<StageBuildReport>();
        foreach (var stage in executed)
        {
            var key = stage.Name ?? stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var stageSteps = steps.GetValueOrDefault(key) ?? steps.GetValueOrDefault(stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)) ?? [];
            var tag = stageTags.GetValueOrDefault(key);

            // The id the stage's tag has now: what was built (or restored, when every step was cached).
            var id = tag is null ? null : (await InspectAsync(tag, cancellationToken))?.Id.Value;
            reports.Add(new StageBuildReport(key, tag, id, stageSteps, notes.GetValueOrDefault(key)));
        }

        return reports;
    }
}
