using System.Diagnostics;
using System.Globalization;
using LayerCache.Core.Inputs;
using LayerCache.Core.Reports;
using LayerCache.Docker;
using LayerCache.Docker.Build;
using LayerCache.Dockerfile;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// The inputs shortcut: when this build's inputs digest (<see cref="BuildInputs"/>) equals an entry's,
/// docker would make that entry's target image again, step by cached step. So only the target image's
/// missing layers are loaded, it is tagged as the build would tag it (<c>-t</c>, <c>--iidfile</c>; its
/// id for <c>-q</c>), and no build runs. Anything that could make docker build differently refuses
/// the shortcut (<see cref="ShortcutRules"/>); any problem is a normal build (fail open).
/// </summary>
internal static class InputsShortcut
{
    public static async Task<ShortcutAttempt> TryAsync(CacheRun run, DockerCliBuilder cli, IReadOnlyList<string> tags, DockerBuildArguments docker, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var plan = run.Dockerfile.Plan;
        var refusals = new List<string>();
        if (cli.Choice.BuildWillFail)
        {
            refusals.Add(cli.Choice.Reason);
        }

        var syntax = await SyntaxDirectiveAsync(run.Dockerfile.Path, cancellationToken);
        refusals.AddRange(ShortcutRules.Refusals(docker, plan, run.BaseImages, syntax, cli.Builder == BuilderKind.BuildKit, Directory.Exists(run.Options.Context)));
        if (refusals.Count > 0)
        {
            return NotTaken(clock, null, null, refusals);
        }

        BuildInputsResult inputs;
        try
        {
            inputs = await ComputeAsync(run, cli.Builder == BuilderKind.BuildKit, ShortcutRules.DigestedFlags(docker), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return NotTaken(clock, null, null, [$"the build context could not be digested: {CacheRun.OneLine(e)}"]);
        }

        run.Log($"inputs digest {inputs.Digest} ({inputs.Context.Files} files, {Durations.Bytes(inputs.Context.Bytes)} of context, {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s)");
        if (!run.EngineAvailable)
        {
            return NotTaken(clock, inputs, null, ["the docker engine is unreachable"]);
        }

        var store = await run.OpenStoreAsync(create: false, cancellationToken);
        if (store is null)
        {
            return NotTaken(clock, inputs, null, [$"no cache yet at {run.Options.Store}"]);
        }

        var reasons = new List<string>();
        var found = await FindAsync(run, store, inputs.Digest, reasons, cancellationToken);
        if (found is not { } hit)
        {
            return NotTaken(clock, inputs, null, reasons.Count > 0 ? reasons : ["no entry of this image yet"]);
        }

        var (entry, stage, layerBytes) = hit;
        if (run.Options.Push && tags.Count > 0 && !ShortcutRules.Loads(docker)
            && await PushStep.AllUnchangedAsync(tags, stage.ConfigDigest, run.Options.Platform, run.Options.Environment, run.Log, cancellationToken) is { } unchangedPushes)
        {
            return await NotLoadedAsync(run, cli, docker, store, inputs, entry, stage.ConfigDigest.Value, layerBytes, unchangedPushes, clock, cancellationToken);
        }

        var targetTag = run.StageTag(plan.Target.Name ?? "target");
        LoadOutcome loaded;
        string imageId;
        try
        {
            run.Log($"inputs unchanged since entry {entry.RefName}: loading only the target image, no build");
            loaded = await new StageImageLoader(run.Engine, store, run.Options.Progress).LoadAsync(entry with { Stages = [stage] }, _ => targetTag, cancellationToken);
            imageId = (await run.Engine.InspectImageAsync(targetTag, cancellationToken))?.Id.Value
                ?? throw new InvalidDataException($"the engine did not load {targetTag}");
            if (imageId != stage.ConfigDigest.Value)
            {
                throw new InvalidDataException($"{targetTag} is {imageId}, not the entry's {stage.ConfigDigest}");
            }

            foreach (var tag in tags)
            {
                await run.Engine.TagImageAsync(imageId, tag, cancellationToken);
            }

            if (ShortcutRules.IidFile(docker) is { Length: > 0 } iidFile)
            {
                // As docker writes it: the id alone, no newline.
                await File.WriteAllTextAsync(iidFile, imageId, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not CacheFailureException)
        {
            // Fail open: the normal path builds. Damaged content is left to its restore, which meets the
            // same blob, removes it and passes to another entry, and warns once; anything else warns here.
            if (!RestoreStep.IsDamagedContent(e))
            {
                run.Warn($"the inputs shortcut failed, building: {CacheRun.OneLine(e)}", e);
            }

            return NotTaken(clock, inputs, null, [$"entry {entry.RefName}: the target image could not be loaded: {CacheRun.OneLine(e)}"]);
        }

        var restore = new RestoreReport
        {
            Stages = loaded.Stages,
            BytesLoaded = loaded.BytesLoaded,
            LayersLoaded = loaded.LayersLoaded,
            LayersSkipped = loaded.LayersSkipped,
            CacheFrom = loaded.CacheFrom,
        };
        return await TakenAsync(run, cli, store, inputs, entry, imageId, restore, Math.Max(0, layerBytes - loaded.BytesLoaded), null, clock, cancellationToken);
    }

    /// <summary>The attempt of a taken shortcut: the entry marked used, the reports filled in.</summary>
    private static async Task<ShortcutAttempt> TakenAsync(
        CacheRun run, DockerCliBuilder cli, ICacheStore store, BuildInputsResult inputs, CacheEntry entry, string imageId, RestoreReport loaded, long notMoved,
        IReadOnlyList<PushReport>? pushes, Stopwatch clock, CancellationToken cancellationToken)
    {
        if (store is IEntryUsageRecorder usage)
        {
            await usage.MarkUsedAsync(entry.Id, run.Clock.GetUtcNow(), cancellationToken);
        }

        var restore = loaded with
        {
            Hit = true,
            Entry = entry.RefName,
            EntryScope = entry.Scope.Value,
            EntryCreated = entry.Created,
            Seconds = clock.Elapsed.TotalSeconds,
        };
        var unchanged = $"inputs unchanged: entry {entry.RefName} already holds this image";
        var save = new SaveReport { SkippedReason = SaveStep.Refusal(run.Scopes, run.EngineAvailable) is { } refusal ? $"{refusal}; {unchanged}" : unchanged };
        var report = new ShortcutReport
        {
            Taken = true,
            SkippedLoad = pushes is not null,
            Inputs = inputs.Digest.Value,
            Entry = entry.RefName,
            ContextFiles = inputs.Context.Files,
            ContextBytes = inputs.Context.Bytes,
            BytesNotMoved = notMoved,
            Seconds = clock.Elapsed.TotalSeconds,
        };
        return new ShortcutAttempt(report, inputs.Digest, restore, CachedBuild(run, cli, entry, imageId), save, pushes);
    }

    /// <summary>
    /// The shortcut when every <c>--push</c> tag's registry already serves the entry's target image: the image
    /// is not loaded and nothing is tagged in the engine (<c>--load</c> asks for it); <c>--iidfile</c> still gets its id.
    /// </summary>
    private static async Task<ShortcutAttempt> NotLoadedAsync(
        CacheRun run, DockerCliBuilder cli, DockerBuildArguments docker, ICacheStore store, BuildInputsResult inputs, CacheEntry entry, string imageId, long layerBytes,
        IReadOnlyList<PushReport> pushes, Stopwatch clock, CancellationToken cancellationToken)
    {
        run.Log($"inputs unchanged since entry {entry.RefName}, and every -t tag's registry already has this image: nothing loaded or tagged locally (--load loads it)");

        if (ShortcutRules.IidFile(docker) is { Length: > 0 } iidFile)
        {
            await File.WriteAllTextAsync(iidFile, imageId, cancellationToken);
        }

        return await TakenAsync(run, cli, store, inputs, entry, imageId, new RestoreReport(), layerBytes, pushes, clock, cancellationToken);
    }

    /// <summary>The inputs digest for <c>layercache key</c>: no docker flags; null with the reasons when it cannot be computed.</summary>
    public static async Task<(Digest? Inputs, IReadOnlyList<string> Refusals)> KeyInputsAsync(CacheRun run, bool buildKit, CancellationToken cancellationToken)
    {
        var syntax = await SyntaxDirectiveAsync(run.Dockerfile.Path, cancellationToken);
        var refusals = ShortcutRules.Refusals(DockerBuildArguments.None, run.Dockerfile.Plan, run.BaseImages, syntax, buildKit, Directory.Exists(run.Options.Context)).ToList();
        if (!Directory.Exists(run.Options.Context))
        {
            return (null, refusals);
        }

        try
        {
            return ((await ComputeAsync(run, buildKit, [], cancellationToken)).Digest, refusals);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return (null, [.. refusals, $"the build context could not be digested: {CacheRun.OneLine(e)}"]);
        }
    }

    private static async Task<BuildInputsResult> ComputeAsync(CacheRun run, bool buildKit, IReadOnlyList<string> flags, CancellationToken cancellationToken)
    {
        var request = new BuildInputsRequest(run.Key, run.Options.Context, run.Options.Dockerfile, buildKit, flags, run.Options.Environment, await EnginePlatformAsync(run, cancellationToken));
        return await BuildInputs.ComputeAsync(request, cancellationToken);
    }

    /// <summary>
    /// The newest usable entry whose inputs digest is this build's, with its target stage image: own
    /// scope first, then the fallbacks, each entry passed only if a restore would take it too.
    /// </summary>
    private static async Task<(CacheEntry Entry, StageImage Stage, long LayerBytes)?> FindAsync(CacheRun run, ICacheStore store, Digest inputs, List<string> reasons, CancellationToken cancellationToken)
    {
        try
        {
            var image = ImageIdentity.ForBuild(run.Options.Context, run.Options.Dockerfile, run.Options.Target, run.Options.Platform);
            var signer = EntrySigning.FromEnvironment(run.Options.Environment);
            foreach (var scope in run.Scopes.Read)
            {
                var criteria = new RestoreCriteria(scope, image, run.Clock.GetUtcNow(), run.Options.MaxAge, run.BaseImages, run.KeyInputs.Builder, signer);
                var entries = (await store.FindEntriesAsync(scope, cancellationToken)).Where(e => e.Image == image).OrderByDescending(e => e.Created).ToList();
                var described = false;
                foreach (var entry in entries)
                {
                    if (entry.InputsDigest != inputs)
                    {
                        if (!described)
                        {
                            // The newest entry of each scope says what changed; older ones would only repeat it.
                            reasons.Add($"entry {entry.RefName}: {WhatChanged(run, entry)}");
                            described = true;
                        }

                        continue;
                    }

                    if (RestoreStep.Rejection(entry, criteria) is { } why)
                    {
                        reasons.Add($"entry {entry.RefName}: {why}");
                        continue;
                    }

                    if (entry.InputsTarget is not { } name || entry.FindStage(name) is not { } stage)
                    {
                        continue;
                    }

                    // An entry that lost a blob is damaged: the normal restore passes it over (and removes
                    // it at the next save), so the shortcut does not stand on it either.
                    var (layerBytes, missing) = await InspectAsync(store, entry, cancellationToken);
                    if (missing is not null)
                    {
                        reasons.Add($"entry {entry.RefName}: damaged: {missing}");
                        continue;
                    }

                    return (entry, stage, layerBytes);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not CacheFailureException)
        {
            // Fail open: the normal restore reads the store again and reports its own problems.
            reasons.Add($"the store could not be searched: {CacheRun.OneLine(e)}");
        }

        return null;
    }

    /// <summary>Why an entry's inputs differ from this build's, as precisely as the entry tells.</summary>
    internal static string WhatChanged(CacheRun run, CacheEntry entry)
    {
        if (entry.InputsDigest is null)
        {
            return "no inputs digest recorded (a build the shortcut could not stand for)";
        }

        foreach (var (image, digest) in entry.BaseImages)
        {
            if (run.BaseImages.TryGetValue(image, out var current) && current is { } now && now != digest)
            {
                return $"inputs changed: base image {image} moved ({Durations.Short(digest)} -> {Durations.Short(now)})";
            }
        }

        if (entry.DockerfileDigest is { } dockerfile && dockerfile != run.Dockerfile.Digest)
        {
            return "inputs changed: the Dockerfile";
        }

        return entry.Key != run.Key
            ? "inputs changed: build args, key files, target, platform or builder"
            : "inputs changed: the build context, the .dockerignore or docker flags";
    }

    private static BuildReport CachedBuild(CacheRun run, DockerCliBuilder cli, CacheEntry entry, string imageId)
    {
        var plan = run.Dockerfile.Plan;
        var stages = cli.Builder == BuilderKind.Classic
            ? plan.AllStages.Where(s => s.Index <= plan.Target.Index)
            : plan.Stages;
        var number = cli.Builder == BuilderKind.Classic ? run.Dockerfile.MetaArgSteps : 0;
        double saved = 0;
        var known = false;
        var reports = new List<StageBuildReport>();
        foreach (var stage in stages)
        {
            var key = stage.Name ?? stage.Index.ToString(CultureInfo.InvariantCulture);
            var steps = new List<StepReport>();

            // The steps the builder would report for this stage, numbered as it numbers them (see
            // ReportedSteps): the FROM counts in the numbering but is not a step of the report.
            number = cli.Builder == BuilderKind.Classic ? number + 1 : stage.Base.Kind == StageBaseKind.Image ? 1 : 0;
            foreach (var instruction in ReportedSteps(stage, cli.Builder))
            {
                var text = instruction.Original.ReplaceLineEndings(" ").Trim();
                steps.Add(new StepReport(++number, text, StepStatus.Cached, null, ShortcutReport.InputsUnchanged));
                if (entry.StepSeconds.TryGetValue($"{key} {text}", out var seconds))
                {
                    saved += seconds;
                    known = true;
                }
            }

            reports.Add(new StageBuildReport(key, stage.Index == plan.Target.Index ? run.StageTag(plan.Target.Name ?? "target") : null, stage.Index == plan.Target.Index ? imageId : null, steps, null));
        }

        return new BuildReport
        {
            Builder = cli.Choice.Name,
            BuilderReason = cli.Choice.Reason,
            ImageId = imageId,
            Stages = reports,
            SecondsSaved = known ? saved : null,
        };
    }

    /// <summary>
    /// The instructions of a stage that the build's own report lists as steps, so a shortcut run counts
    /// what a cached build of the same Dockerfile counts: the classic builder prints every instruction
    /// as a step (numbered across the file, the ARGs before the first FROM and each FROM included);
    /// BuildKit prints only the instructions that make filesystem state, numbered within the stage (a
    /// FROM of an image as 1; a stage built on another stage starts at its first instruction). The
    /// report leaves FROM out for both (a base image is not a step the cache can save).
    /// </summary>
    internal static IEnumerable<LayerCache.Dockerfile.Instruction> ReportedSteps(LayerCache.Dockerfile.Stage stage, BuilderKind builder) =>
        builder == BuilderKind.Classic
            ? stage.Instructions
            : stage.Instructions.Where(i => i.Keyword is "run" or "copy" or "add" or "workdir");

    /// <summary>
    /// The bytes of the entry's distinct layers (what a full restore could have moved), and the first
    /// problem that makes it damaged (a stage manifest that does not read, a blob that is gone), or null.
    /// </summary>
    private static async Task<(long LayerBytes, string? Missing)> InspectAsync(ICacheStore store, CacheEntry entry, CancellationToken cancellationToken)
    {
        var layers = new Dictionary<Digest, long>();
        try
        {
            foreach (var stage in entry.Stages)
            {
                await using var stream = await store.Blobs.OpenReadAsync(stage.ManifestDigest, cancellationToken);
                var manifest = OciJson.DeserializeManifest(await DocumentReader.ReadAsync(stream, stage.ManifestDigest.Value, cancellationToken), stage.ManifestDigest.Value);
                foreach (var blob in manifest.Layers.Prepend(manifest.Config))
                {
                    if (!layers.ContainsKey(blob.Digest) && !await store.Blobs.ExistsAsync(blob.Digest, cancellationToken))
                    {
                        return (0, $"stage {stage.Name}: blob {blob.Digest} is missing");
                    }

                    layers[blob.Digest] = blob == manifest.Config ? 0 : blob.Size;
                }
            }
        }
        catch (Exception e) when (e is IOException or OciFormatException or BlobNotFoundException or ContentVerificationException or InvalidDataException)
        {
            return (0, CacheRun.OneLine(e));
        }

        return (layers.Values.Sum(), null);
    }

    /// <summary>The engine's <c>os/arch</c>: the platform a build without <c>--platform</c> makes.</summary>
    private static async Task<string?> EnginePlatformAsync(CacheRun run, CancellationToken cancellationToken)
    {
        if (!run.EngineAvailable)
        {
            return null;
        }

        try
        {
            var version = await run.Engine.VersionAsync(cancellationToken);
            return $"{version.Os}/{version.Arch}";
        }
        catch (Exception e) when (e is DockerEngineException or DockerEngineUnavailableException)
        {
            return null;
        }
    }

    private static async Task<string?> SyntaxDirectiveAsync(string dockerfile, CancellationToken cancellationToken)
    {
        var bytes = await InputFile.ReadAllBytesAsync(dockerfile, "Dockerfile", InputFile.MaxDocumentBytes, cancellationToken);
        return DockerfileParser.Parse(System.Text.Encoding.UTF8.GetString(bytes), dockerfile).Directives.GetValueOrDefault("syntax");
    }

    private static ShortcutAttempt NotTaken(Stopwatch clock, BuildInputsResult? inputs, string? entry, IReadOnlyList<string> reasons) =>
        new(
            new ShortcutReport
            {
                Inputs = inputs?.Digest.Value,
                Entry = entry,
                Reasons = reasons,
                ContextFiles = inputs?.Context.Files ?? 0,
                ContextBytes = inputs?.Context.Bytes ?? 0,
                Seconds = clock.Elapsed.TotalSeconds,
            },
            // Computed only when nothing refused the shortcut: then the entry this build saves may stand for it.
            inputs?.Digest,
            null,
            null,
            null);
}
