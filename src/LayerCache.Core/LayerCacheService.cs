using LayerCache.Core.Context;
using LayerCache.Core.Reports;
using LayerCache.Core.Stats;
using LayerCache.Core.Workflows;
using LayerCache.Docker;
using LayerCache.Docker.Build;
using LayerCache.Store;

namespace LayerCache.Core;

/// <summary>
/// The workflows behind the commands: <see cref="BuildAsync"/> (restore, build every stage, save,
/// report), and its halves <see cref="RestoreAsync"/> and <see cref="SaveAsync"/>. Cache problems
/// are warnings in the report and never change the exit code, which is the build's own, unless
/// <see cref="CacheOptions.Strict"/>.
/// </summary>
public sealed class LayerCacheService
{
    private readonly IDockerEngine _engine;
    private readonly Action<string> _log;
    private readonly TimeProvider _clock;

    /// <summary>Creates the service over an engine.</summary>
    /// <param name="engine">The Docker engine to restore into and save from.</param>
    /// <param name="log">Progress lines for the user (stderr).</param>
    /// <param name="clock">The clock (tests move it).</param>
    public LayerCacheService(IDockerEngine engine, Action<string> log, TimeProvider? clock = null)
    {
        _engine = engine;
        _log = log;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Restore, build every stage the target needs, save what changed, apply retention.</summary>
    /// <param name="options">Cache options.</param>
    /// <param name="tags">The user's <c>-t</c> tags for the target image.</param>
    /// <param name="docker">The user's further <c>docker build</c> flags, sorted by where they go.</param>
    /// <param name="buildOutput">Receives docker's own output lines as they arrive.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public async Task<RunReport> BuildAsync(CacheOptions options, IReadOnlyList<string> tags, DockerBuildArguments docker, Action<string>? buildOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cli = await CreateBuilderAsync(options, cancellationToken);
        await EnsureStoreNotSentAsync(options, cli.Choice.Kind, cancellationToken);
        var run = await CacheRun.PrepareAsync(options, _engine, cli.Choice.Name, _log, _clock, cancellationToken);
        _log($"builder: {cli.Choice.Name} ({cli.Choice.Reason})");
        var shortcut = await InputsShortcut.TryAsync(run, cli, tags, docker, cancellationToken);
        if (shortcut.Taken)
        {
            // --push is layercache's own (docker never sees it), so the shortcut does not refuse it: the
            // image it tagged goes to the registry by the same rule, pushed only when the registry lacks it.
            var shortcutPushes = shortcut.Pushes ?? (options.Push && shortcut.Build?.ImageId is { } shortcutId && Oci.Digest.TryParse(shortcutId, out var shortcutImage)
                ? await PushStep.PushAsync(_engine, tags, shortcutImage, options.Platform, options.Environment, _log, cancellationToken)
                : null);
            var shortcutExit = shortcutPushes?.Any(p => p.Outcome == "failed") == true ? 1 : 0;
            var shortcutResult = Report("build", run, shortcut.Restore, shortcut.Build, shortcut.Save, shortcutExit) with { Shortcut = shortcut.Report, Pushes = shortcutPushes };
            await RunHistoryRecorder.RecordAsync(run, shortcutResult, cancellationToken);
            return shortcutResult;
        }

        // --metadata-file keeps docker's meaning: buildx writes it and layercache adds its keys; a docker
        // build without buildx has no such flag (it would fail the build), so layercache writes the file.
        var (metadataFile, withoutMetadata) = BuildMetadataFile.Take(docker.TargetOnly);
        var dockerWritesMetadata = metadataFile is not null && cli.Choice.IsBuildx;
        if (metadataFile is not null && !dockerWritesMetadata)
        {
            docker = docker with { TargetOnly = withoutMetadata };
        }
        else if (dockerWritesMetadata)
        {
            // An earlier run's file must not pass for what docker wrote this time.
            Oci.AtomicFile.TryDelete(Path.GetFullPath(metadataFile!));
        }

        // A build docker will refuse still runs, so the user gets docker's own error and exit code;
        // loading the cache for it would only cost time.
        var (restore, entry) = cli.Choice.BuildWillFail
            ? (new RestoreReport { Reasons = [$"not restored: {cli.Choice.Reason}"] }, null)
            : await RestoreStep.RestoreAsync(run, cancellationToken);
        var built = await new StageBuilds(run, cli).BuildAsync(restore.CacheFrom, tags, docker, buildOutput, cancellationToken);
        var (stepSeconds, saved) = StepTimes(built.Report, entry);
        var report = built.Report with { SecondsSaved = saved };
        SaveReport? save = null;
        if (built.Succeeded)
        {
            var inputs = shortcut.Inputs is { } digest ? new SaveStep.InputsRecord(digest, run.Dockerfile.Plan.Target.Name ?? run.Dockerfile.Plan.Target.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
            save = await SaveStep.SaveAsync(run, built.StageTags, stepSeconds, cancellationToken, inputs);
        }

        var exitCode = built.Report.ExitCode;
        IReadOnlyList<PushReport>? pushes = null;
        if (options.Push && built.Succeeded && exitCode == 0 && report.ImageId is { } id && Oci.Digest.TryParse(id, out var imageId))
        {
            // Pushing is the user's own output, not the cache's: a failed push fails the run.
            pushes = await PushStep.PushAsync(_engine, tags, imageId, options.Platform, options.Environment, _log, cancellationToken);
            exitCode = pushes.Any(p => p.Outcome == "failed") ? 1 : 0;
        }

        var result = Report("build", run, restore, report, save, exitCode) with { Pushes = pushes, Shortcut = shortcut.Report };
        if (metadataFile is not null && built.Succeeded)
        {
            result = await WriteMetadataAsync(run, result, metadataFile, dockerWritesMetadata, tags, cancellationToken);
        }

        await RunHistoryRecorder.RecordAsync(run, result, cancellationToken);
        return result;
    }

    /// <summary>Restore only: load the newest usable entry; the report lists the <c>--cache-from</c> images.</summary>
    public async Task<RunReport> RestoreAsync(CacheOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = await ChooseBuilderAsync(options, cancellationToken);
        await EnsureStoreNotSentAsync(options, builder.Kind, cancellationToken);
        var run = await CacheRun.PrepareAsync(options, _engine, builder.Name, _log, _clock, cancellationToken);
        var (restore, _) = await RestoreStep.RestoreAsync(run, cancellationToken);
        var report = Report("restore", run, restore, null, null, 0);
        await RunHistoryRecorder.RecordAsync(run, report, cancellationToken);
        return report;
    }

    /// <summary>
    /// Save only, after the user's own <c>docker build</c>: each stage is built again with
    /// <c>--target</c> (all cached, seconds) so that every stage has an image, then saved.
    /// </summary>
    /// <remarks>Only the flags that change what a pass builds (<see cref="DockerBuildArguments.EveryPass"/>) are used: these builds make no user image.</remarks>
    public async Task<RunReport> SaveAsync(CacheOptions options, DockerBuildArguments docker, Action<string>? buildOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cli = await CreateBuilderAsync(options, cancellationToken);
        await EnsureStoreNotSentAsync(options, cli.Choice.Kind, cancellationToken);
        var run = await CacheRun.PrepareAsync(options, _engine, cli.Choice.Name, _log, _clock, cancellationToken);
        _log($"builder: {cli.Choice.Name} ({cli.Choice.Reason})");
        var cacheFrom = new List<string>();
        foreach (var stage in run.Dockerfile.Plan.Stages)
        {
            // Images a restore put back: the builder needs them to see its own cache again.
            var tag = run.StageTag(stage.Name ?? "target");
            if (run.EngineAvailable && await _engine.InspectImageAsync(tag, cancellationToken) is not null)
            {
                cacheFrom.Add(tag);
            }
        }

        if (cacheFrom.Count > 0 && cli.Builder == BuilderKind.Classic)
        {
            cacheFrom.AddRange(await RecentLeafImagesAsync(cacheFrom, cancellationToken));
        }

        var built = await new StageBuilds(run, cli).BuildAsync(cacheFrom, [], DockerBuildArguments.None with { EveryPass = docker.EveryPass, Platform = docker.Platform }, buildOutput, cancellationToken);
        if (!built.Succeeded)
        {
            run.Warn($"the stage images could not be built again to be saved: {built.Report.Error}");
            return Report("save", run, null, built.Report, new SaveReport { SkippedReason = "the stage builds failed" }, 0);
        }

        var (stepSeconds, _) = StepTimes(built.Report, null);
        var save = await SaveStep.SaveAsync(run, built.StageTags, stepSeconds, cancellationToken);
        var report = Report("save", run, null, built.Report, save, 0);
        await RunHistoryRecorder.RecordAsync(run, report, cancellationToken);
        return report;
    }

    /// <summary>The cache key and its inputs, for CI cache keys.</summary>
    public async Task<KeyReport> KeyAsync(CacheOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = await ChooseBuilderAsync(options, cancellationToken);
        var run = await CacheRun.PrepareAsync(options, _engine, builder.Name, _log, _clock, cancellationToken);
        var inputs = run.KeyInputs;
        var (inputsDigest, refusals) = await InputsShortcut.KeyInputsAsync(run, builder.Kind == BuilderKind.BuildKit, cancellationToken);
        return new KeyReport(
            run.Key.Value,
            run.Scopes.Write.Value,
            run.Scopes.Read.Select(s => s.Value).ToList(),
            run.Dockerfile.Path,
            inputs.Dockerfile.Value,
            inputs.Target,
            inputs.Builder,
            inputs.BuildArgs.ToDictionary(p => p.Key, p => p.Value.Value, StringComparer.Ordinal),
            inputs.KeyFiles.ToDictionary(p => p.Key, p => p.Value.Value, StringComparer.Ordinal),
            inputs.BaseImages.ToDictionary(p => p.Key, p => p.Value?.Value, StringComparer.Ordinal),
            run.Warnings,
            run.BaseManifests.ToDictionary(p => p.Key, p => p.Value?.Value, StringComparer.Ordinal),
            Keys.CacheKey.FormatOf(inputs))
        {
            Inputs = inputsDigest?.Value,
            InputsRefusals = refusals,
        };
    }

    /// <summary>
    /// The engine's newest top-level images (tagged, or untagged leaves such as a stage's last image),
    /// as <c>--cache-from</c> sources. With <c>--cache-from</c> the classic builder takes a cache hit
    /// from its local images only on the parent chain of a source, so without the images the user's
    /// own build just made, finding the stage images would run every step that build ran again.
    /// </summary>
    private async Task<List<string>> RecentLeafImagesAsync(IReadOnlyList<string> already, CancellationToken cancellationToken)
    {
        const int MaxSources = 32;
        try
        {
            var images = await _engine.ListImagesAsync(new ImageListOptions { All = false }, cancellationToken);
            return [.. images
                .Where(i => !i.RepoTags.Any(already.Contains))
                .OrderByDescending(i => i.Created)
                .Take(MaxSources)
                .Select(i => i.Id.Value)];
        }
        catch (DockerEngineException)
        {
            // Only an optimization: the stage builds still work, they may just run steps again.
            return [];
        }
    }

    /// <summary>A store the build context would send is refused (bad input), see <see cref="BuildContext.EnsureStoreNotSentAsync"/>.</summary>
    private static Task EnsureStoreNotSentAsync(CacheOptions options, BuilderKind builder, CancellationToken cancellationToken) =>
        BuildContext.EnsureStoreNotSentAsync(options.Store, options.Context, options.Dockerfile, builder == BuilderKind.BuildKit, cancellationToken);

    private async Task<DockerCliBuilder> CreateBuilderAsync(CacheOptions options, CancellationToken cancellationToken)
    {
        var choice = await ChooseBuilderAsync(options, cancellationToken);
        return new DockerCliBuilder(options.DockerCli, options.Environment("DOCKER_HOST"), choice, options.Environment("DOCKER_BUILDKIT"));
    }

    /// <summary>The builder docker will use, predicted as the docker CLI decides (the engine's default builder counts for CLIs before 23).</summary>
    private async Task<BuilderChoice> ChooseBuilderAsync(CacheOptions options, CancellationToken cancellationToken)
    {
        DockerPing? ping = null;
        try
        {
            ping = await _engine.PingAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An unreachable engine is reported (and failed open) by the run itself; here it only means
            // the engine's default builder is unknown, as it is to the docker CLI.
        }

        return await DockerCliBuilder.ChooseAsync(options.DockerCli, options.Environment, ping, cancellationToken);
    }

    /// <summary>
    /// Writes <c>--metadata-file</c>: docker's own object (buildx) with layercache's keys merged in, or
    /// layercache's alone. The pushed image's digest docker names there completes the report. A file
    /// that cannot be written is a warning: the image is built.
    /// </summary>
    private static async Task<RunReport> WriteMetadataAsync(CacheRun run, RunReport report, string path, bool dockerWrites, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var fromDocker = dockerWrites ? await BuildMetadataFile.ReadDockerAsync(path, cancellationToken) : null;
        if (dockerWrites && fromDocker is null)
        {
            run.Log($"docker wrote no --metadata-file {path}: writing layercache's keys alone");
        }

        if (report.Build is { ImageDigest: null } build
            && fromDocker?["containerimage.digest"] is System.Text.Json.Nodes.JsonValue value
            && value.TryGetValue<string>(out var digest) && Oci.Digest.TryParse(digest, out _))
        {
            report = report with { Build = build with { ImageDigest = digest } };
        }

        try
        {
            await BuildMetadataFile.WriteAsync(path, BuildMetadataFile.Merge(fromDocker, report, tags), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Oci.UnsafeFileException)
        {
            run.Warn($"cannot write --metadata-file {path}: {CacheRun.OneLine(e)}", e);
        }

        return report;
    }

    /// <summary>
    /// Step times to record with the new entry (measured now, or carried over from the restored
    /// entry for cached steps), and the seconds the cached steps saved.
    /// </summary>
    private static (Dictionary<string, double> StepSeconds, double? Saved) StepTimes(BuildReport build, CacheEntry? restored)
    {
        var times = new Dictionary<string, double>(StringComparer.Ordinal);
        double saved = 0;
        var known = false;
        foreach (var stage in build.Stages)
        {
            foreach (var step in stage.Steps)
            {
                var key = $"{stage.Stage} {step.Instruction}";
                if (step.Status == StepStatus.Executed && step.Seconds is { } seconds)
                {
                    times[key] = seconds;
                }
                else if (step.Status == StepStatus.Cached && restored is not null && restored.StepSeconds.TryGetValue(key, out var before))
                {
                    times[key] = before;
                    saved += before;
                    known = true;
                }
            }
        }

        return (times, known ? saved : null);
    }

    private static RunReport Report(string command, CacheRun run, RestoreReport? restore, BuildReport? build, SaveReport? save, int exitCode) => new()
    {
        Command = command,
        Scope = run.Scopes.Write.Value,
        ReadScopes = run.Scopes.Read.Select(s => s.Value).ToList(),
        Key = run.Key.Value,
        Target = run.Dockerfile.Plan.Target.DisplayName,
        Restore = restore,
        Build = build,
        Save = save,
        Warnings = run.Warnings,
        ExitCode = exitCode,
    };
}
