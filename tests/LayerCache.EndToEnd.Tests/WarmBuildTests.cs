using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: cold build and save; fresh engine; <c>layercache build</c> → every step of every stage of
/// the example reports cached, with the classic builder and with BuildKit.
/// </summary>
[Collection(EngineCollections.A)]
public sealed class WarmBuildTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Classic_builder_on_a_fresh_runner_restores_and_every_step_of_every_stage_is_cached()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        var cold = await SeedStore.CopyClassicAsync(store);
        Assert.False(cold.Restore!.Hit);
        Assert.Equal(0, cold.Build!.StepsCached);

        // CI run 2: a new runner, a fresh checkout, the CI's file cache put the store back.
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        await using var runner = await Runner.StartAsync(ct);
        var warm = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        warm.ExpectExit(0);
        output.WriteLine($"cold build {cold.Build.Seconds:0.0}s; warm: restore {warm.Report.Restore!.Seconds:0.0}s, build {warm.Report.Build!.Seconds:0.0}s");

        ReportAssert.EveryStepCached(warm, "classic");
        Assert.Equal(Commands.MainScope, warm.Report.Restore.EntryScope);
        Assert.True(warm.Report.Restore.LayersLoaded > 0, $"a fresh runner must load layers: {warm}");
        // Nothing new was built, so nothing is written and the CI's cache key (SUMMARY) stays.
        Assert.False(warm.Report.Save!.Saved, $"an all-cached rerun must not write an entry: {warm}");
        Assert.Equal(0, warm.Report.Save.BytesWritten);

        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains("app: backend version 1", printed, StringComparison.Ordinal);
        Assert.Contains("assets: index.txt.gz", printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildKit_on_a_fresh_runner_restores_and_every_step_of_every_stage_is_cached()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");

        CliRun cold;
        await using (var first = await Runner.StartAsync(ct))
        {
            var app = ExampleApp.CopyTo(temp.Combine("app1"));
            cold = await first.LayercacheAsync(Builder.BuildKit, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
            cold.ExpectExit(0);
            ReportAssert.Cold(cold);
            Assert.Equal("buildkit", cold.Report.Build!.Builder);
            Assert.True(cold.Report.Save is { Saved: true }, $"the cold build must save: {cold}");
        }

        await using var runner = await Runner.StartAsync(ct);
        var fresh = ExampleApp.CopyTo(temp.Combine("app2"));
        var warm = await runner.LayercacheAsync(Builder.BuildKit, Commands.Build(fresh.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        warm.ExpectExit(0);
        output.WriteLine($"cold build {cold.Report.Build!.Seconds:0.0}s; warm: restore {warm.Report.Restore!.Seconds:0.0}s, build {warm.Report.Build!.Seconds:0.0}s");

        ReportAssert.EveryStepCached(warm, "buildkit");
        Assert.False(warm.Report.Save!.Saved, $"an all-cached rerun must not write an entry: {warm}");

        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains("app: backend version 1", printed, StringComparison.Ordinal);
    }
}
