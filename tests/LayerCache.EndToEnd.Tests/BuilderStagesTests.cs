using LayerCache.Core.Reports;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: every stage the builder runs is cached and the report counts what ran. The classic
/// builder runs every stage up to the target, in file order, also one the target does not need:
/// a cold run reports that stage's slow step as executed, and a fresh runner from the warm store
/// executes no step at all.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class BuilderStagesTests
{
    [Fact]
    public async Task Classic_caches_and_reports_a_stage_the_target_does_not_need()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var context = temp.Combine("app");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(
            Path.Combine(context, "Dockerfile"),
            $"""
            FROM {TestImages.Busybox} AS base
            RUN echo base > /base

            FROM {TestImages.Busybox} AS unneeded
            RUN sleep 2 && echo slow > /slow

            FROM base AS final
            RUN echo final > /final
            """,
            ct);
        var store = temp.Combine("store");

        await using (var first = await Runner.StartAsync(ct))
        {
            var cold = await first.LayercacheAsync(Builder.Classic, Commands.Build(context, store, "--scope", Commands.MainScope), ct);
            cold.ExpectExit(0);
            var build = cold.Report.Build!;
            Assert.Equal(["base", "unneeded", "final"], build.Stages.Select(s => s.Stage));
            var slow = Assert.Single(build.Stages.Single(s => s.Stage == "unneeded").Steps);
            Assert.Equal(StepStatus.Executed, slow.Status);
            Assert.True(slow.Seconds >= 1.5, $"the slow step's seconds: {slow.Seconds}\n{cold}");
            Assert.Equal(3, build.StepsExecuted);
            Assert.True(cold.Report.Save is { Saved: true, StagesExported: 3 }, $"every stage the builder ran must be saved: {cold}");
        }

        // A fresh runner, the store put back by the CI: nothing runs, not even the unneeded stage.
        await using var runner = await Runner.StartAsync(ct);
        var warm = await runner.LayercacheAsync(Builder.Classic, Commands.Build(context, store, "--scope", Commands.MainScope), ct);
        warm.ExpectExit(0);
        Assert.True(warm.Report.Restore is { Hit: true }, $"{warm}");
        Assert.True(warm.Report.Build!.StepsExecuted == 0, $"a warm build ran steps: {warm}");
        // Every step of the three stages is cached: the three RUNs, as the builder counts them (the inputs
        // shortcut, which a fresh runner with unchanged inputs takes, counts the same steps).
        Assert.Equal(3, warm.Report.Build.StepsCached);
        Assert.DoesNotContain("Running in", warm.Stderr, StringComparison.Ordinal);
    }
}
