using LayerCache.Core.Reports;
using LayerCache.Core.Stats;
using LayerCache.Store;

namespace LayerCache.Core.Tests;

/// <summary>What a run adds to the history, and how <c>stats</c> sums the history up.</summary>
public sealed class StatsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_build_is_recorded_with_its_restore_steps_seconds_and_bytes()
    {
        var report = new RunReport
        {
            Command = "build",
            Scope = "p/main",
            Restore = new RestoreReport { Hit = false, Reasons = ["entry e1: base image changed", "second"], Seconds = 1 },
            Build = new BuildReport
            {
                Builder = "buildkit",
                Seconds = 10,
                SecondsSaved = 3,
                Stages = [new StageBuildReport("a", null, null, [new StepReport(1, "RUN a", StepStatus.Cached, null), new StepReport(2, "RUN b", StepStatus.Executed, 9)], null)],
            },
            Save = new SaveReport { Saved = true, BytesWritten = 500, Seconds = 2 },
            ExitCode = 0,
        };

        var record = RunHistoryRecorder.ToRecord(report, "Dockerfile", T0);

        Assert.Equal(false, record.Hit);
        Assert.Equal("entry e1: base image changed", record.MissReason);
        Assert.Equal((1, 1), (record.StepsCached, record.StepsExecuted));
        Assert.Equal(13, record.Seconds);
        Assert.Equal(3, record.SecondsSaved);
        Assert.Equal(500, record.BytesWritten);
        Assert.True(record.Saved);
        var dir = Directory.CreateTempSubdirectory("lc-history-").FullName;
        try
        {
            // The history takes the record as it is: it is valid by its own rules.
            var history = new FileRunHistory(dir);
            await history.AppendAsync(record, CancellationToken.None);
            Assert.Equal([record], (await history.ReadAsync(CancellationToken.None)).Records);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_save_s_own_stage_builds_are_not_counted_as_cache_hits()
    {
        var report = new RunReport
        {
            Command = "save",
            Scope = "p/main",
            Build = new BuildReport { Builder = "classic", Seconds = 1, Stages = [new StageBuildReport("a", null, null, [new StepReport(1, "RUN a", StepStatus.Cached, null)], null)] },
            Save = new SaveReport { Saved = true, BytesWritten = 5 },
        };

        var record = RunHistoryRecorder.ToRecord(report, "Dockerfile", T0);

        Assert.Null(record.Hit);
        Assert.Equal(0, record.StepsCached);
    }

    [Fact]
    public void Stats_filter_by_scope_and_time_sort_by_time_and_sum_per_image_and_miss_reason()
    {
        RunRecord R(int minutes, string scope, bool? hit, string? reason = null, string image = "Dockerfile") => new()
        {
            Time = T0.AddMinutes(minutes), Command = "build", Scope = scope, Image = image, Hit = hit, MissReason = reason,
            StepsCached = hit is true ? 4 : 0, StepsExecuted = hit is true ? 0 : 4, SecondsSaved = hit is true ? 10 : null, Seconds = 2, BytesLoaded = 100,
        };
        var content = new RunHistoryContent(
            [R(30, "p/main", true), R(10, "p/main", false, "no entry"), R(20, "p/dev", false, "no entry"), R(40, "p/main", false, "too old", "Dockerfile.worker"), R(-60 * 24 * 30, "p/main", true)],
            2);

        var all = StatsService.Summarize("dir:/s", true, content, null, null);
        Assert.Equal(5, all.Totals.Runs);
        Assert.Equal([-60 * 24 * 30, 10, 20, 30, 40], all.Runs.Select(r => (int)(r.Time - T0).TotalMinutes));
        Assert.Equal(2, all.InvalidLines);
        Assert.Equal(new MissReasonCount("no entry", 2), all.MissReasons[0]);

        var main = StatsService.Summarize("dir:/s", true, content, "p/main", T0);
        Assert.Equal(3, main.Totals.Runs);
        Assert.Equal((1, 2), (main.Totals.Hits, main.Totals.Misses));
        Assert.Equal(0.3333, main.Totals.HitRate);
        Assert.Equal(10, main.Totals.SecondsSaved);
        Assert.Equal(300, main.Totals.BytesLoaded);
        Assert.Equal(["Dockerfile", "Dockerfile.worker"], main.Images.Select(i => i.Image));
        Assert.Equal(2, main.Images[0].Totals.Runs);
    }
}
