using LayerCache.Core.Reports;

namespace LayerCache.EndToEnd.Tests;

/// <summary>Assertions on <c>--format json</c> reports that the tests share.</summary>
internal static class ReportAssert
{
    /// <summary>
    /// The warm-start promise: the run restored an entry, and every step of every stage the target
    /// needs was cached; nothing ran.
    /// </summary>
    public static void EveryStepCached(CliRun run, string builder)
    {
        var report = run.Report;
        Assert.True(report.Restore is { Hit: true }, $"expected a restore hit: {run}");
        Assert.Empty(report.Warnings);
        var build = report.Build ?? throw new Xunit.Sdk.XunitException($"no build report: {run}");
        Assert.Equal(builder, build.Builder);
        Assert.Equal(ExampleApp.ExecutedStages(builder), build.Stages.Select(s => s.Stage));
        foreach (var stage in build.Stages)
        {
            Assert.True(stage.Steps.Count > 0, $"stage {stage.Stage} reports no steps: {run}");
            var notCached = stage.Steps.Where(s => s.Status != StepStatus.Cached).Select(s => $"{s.Instruction}: {s.Status}").ToList();
            Assert.True(notCached.Count == 0, $"stage {stage.Stage} has steps that were not cached: {string.Join("; ", notCached)}\n{run}");
        }

        Assert.Equal(0, build.StepsExecuted);
        Assert.True(build.StepsCached > 0, $"no cached steps: {run}");
    }

    /// <summary>A cold build: nothing restored, every step executed.</summary>
    public static void Cold(CliRun run)
    {
        var build = run.Report.Build ?? throw new Xunit.Sdk.XunitException($"no build report: {run}");
        Assert.False(run.Report.Restore?.Hit ?? false, $"expected no restore: {run}");
        Assert.Equal(ExampleApp.ExecutedStages(build.Builder), build.Stages.Select(s => s.Stage));
        Assert.True(build.StepsCached == 0, $"a cold build cached {build.StepsCached} step(s): {run}");
        Assert.True(build.StepsExecuted > 0, $"a cold build executed nothing: {run}");
    }

    /// <summary>The restore was refused with a reason that contains every one of <paramref name="fragments"/>.</summary>
    public static void NotRestoredBecause(CliRun run, params string[] fragments)
    {
        var restore = run.Report.Restore ?? throw new Xunit.Sdk.XunitException($"no restore report: {run}");
        Assert.False(restore.Hit, $"expected the entry not to be restored: {run}");
        Assert.True(
            restore.Reasons.Any(r => fragments.All(f => r.Contains(f, StringComparison.OrdinalIgnoreCase))),
            $"no restore reason names {string.Join(" + ", fragments)}: [{string.Join(" | ", restore.Reasons)}]\n{run}");
    }
}
