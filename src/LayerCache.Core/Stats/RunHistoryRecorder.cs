using LayerCache.Core.Reports;
using LayerCache.Core.Workflows;
using LayerCache.Store;

namespace LayerCache.Core.Stats;

/// <summary>
/// Adds each build, restore and save to the store's run history (<see cref="IRunHistory"/>) for
/// <c>layercache stats</c>. Fails open: the history is statistics, so any problem with it is one
/// warning line on stderr, never a warning in the report, a changed exit code or a <c>--strict</c> failure.
/// </summary>
internal static class RunHistoryRecorder
{
    public static async Task RecordAsync(CacheRun run, RunReport report, CancellationToken cancellationToken)
    {
        if (RunHistories.For(run.Options.Store) is not { } history)
        {
            return;
        }

        try
        {
            var image = ImageIdentity.ForBuild(run.Options.Context, run.Options.Dockerfile, run.Options.Target, run.Options.Platform);
            await history.AppendAsync(ToRecord(report, image.ToString(), run.Clock.GetUtcNow()), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            run.Log($"warning: the run was not added to the store's history: {CacheRun.OneLine(e)}");
        }
    }

    /// <summary>The history's record of a run.</summary>
    internal static RunRecord ToRecord(RunReport report, string image, DateTimeOffset now)
    {
        var restore = report.Restore;
        var build = report.Build;
        var save = report.Save;

        // save's own builds only find the stage images of a build that already ran (all cached): its
        // steps are not the user's build, so they are not counted as cache hits.
        var counted = report.Command == "save" ? null : build;
        return new RunRecord
        {
            Time = now,
            Command = report.Command,
            Scope = report.Scope ?? "unknown",
            Image = image,
            Builder = build?.Builder,
            Hit = restore?.Hit,
            MissReason = restore is { Hit: false } ? (restore.Reasons.Count > 0 ? restore.Reasons[0] : "no usable entry") : null,
            StepsCached = counted?.StepsCached ?? 0,
            StepsExecuted = counted?.StepsExecuted ?? 0,
            SecondsSaved = counted?.SecondsSaved,
            Seconds = (restore?.Seconds ?? 0) + (build?.Seconds ?? 0) + (save?.Seconds ?? 0),
            BytesLoaded = restore?.BytesLoaded ?? 0,
            BytesWritten = save?.BytesWritten ?? 0,
            Saved = save?.Saved ?? false,
            ExitCode = report.ExitCode,
        };
    }
}
