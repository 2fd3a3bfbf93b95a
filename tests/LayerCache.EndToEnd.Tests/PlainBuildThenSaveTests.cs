using System.Text.RegularExpressions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: plain <c>docker build</c>, then <c>layercache save</c> → stage images found and saved.
/// Then the README's split recipe on a fresh runner: <c>layercache restore</c>, the user's own
/// <c>docker build</c> with the printed <c>--cache-from</c> images, all cached.
/// </summary>
[Collection(EngineCollections.B)]
public sealed partial class PlainBuildThenSaveTests
{
    [Fact]
    public async Task Save_after_a_plain_docker_build_finds_and_saves_every_stage_and_a_fresh_runner_restores_it()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");

        await using (var first = await Runner.StartAsync(ct))
        {
            var app = ExampleApp.CopyTo(temp.Combine("app1"));
            await first.DockerAsync(Builder.Classic, ["build", "--network", "none", "-t", "demo:latest", app.Directory], ct);
            var save = await first.LayercacheAsync(Builder.Classic, Commands.Save(app.Directory, store, "--scope", Commands.MainScope), ct);
            save.ExpectExit(0);
            Assert.Empty(save.Report.Warnings);
            Assert.True(save.Report.Save is { Saved: true, StagesExported: 5 }, $"every stage must be exported: {save}");
            // The stage images came from the plain build's own cache: finding them ran nothing.
            Assert.Equal(0, save.Report.Build!.StepsExecuted);

            var listing = (await Cli.RunAsync(Commands.List(store), new Dictionary<string, string?>(), ct)).ExpectExit(0).Parse<Core.Reports.StoreListing>();
            var entry = Assert.Single(listing.Entries);
            Assert.Equal(Commands.MainScope, entry.Scope);
            Assert.Equal(ExampleApp.ClassicStages.Order(StringComparer.Ordinal), entry.Stages.Order(StringComparer.Ordinal));
            (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
        }

        await using var runner = await Runner.StartAsync(ct);
        var fresh = ExampleApp.CopyTo(temp.Combine("app2"));
        var restore = await runner.LayercacheAsync(Builder.Classic, Commands.Restore(fresh.Directory, store, "--scope", Commands.MainScope), ct);
        restore.ExpectExit(0);
        var restored = restore.Report.Restore!;
        Assert.True(restored.Hit, $"the fresh runner must restore the saved entry: {restore}");
        Assert.True(restored.LayersLoaded > 0);
        Assert.Equal(ExampleApp.ClassicStages.Count, restored.CacheFrom.Count);

        List<string> build = ["build", "--network", "none", "-t", "demo:latest"];
        foreach (var image in restored.CacheFrom)
        {
            build.AddRange(["--cache-from", image]);
        }

        var plain = await runner.DockerAsync(Builder.Classic, [.. build, fresh.Directory], ct);
        var cached = UsingCache().Count(plain.StandardOutput);
        Assert.True(cached >= 8, $"expected every step cached, {cached} were:\n{plain.StandardOutput}");
        Assert.DoesNotContain("Running in", plain.StandardOutput, StringComparison.Ordinal);
        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains("app: backend version 1", printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_after_restore_and_a_plain_build_with_a_change_runs_no_step_again()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        await using var runner = await Runner.StartAsync(ct);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        app.CommitBackend("3", 16 * 1024);

        // The split recipe: restore, the user's own build (it runs the changed steps), then save.
        var restore = await runner.LayercacheAsync(Builder.Classic, Commands.Restore(app.Directory, store, "--scope", Commands.MainScope), ct);
        restore.ExpectExit(0);
        List<string> build = ["build", "--network", "none", "-t", "demo:latest"];
        foreach (var image in restore.Report.Restore!.CacheFrom)
        {
            build.AddRange(["--cache-from", image]);
        }

        var plain = await runner.DockerAsync(Builder.Classic, [.. build, app.Directory], ct);
        Assert.Contains("Running in", plain.StandardOutput, StringComparison.Ordinal);

        var save = await runner.LayercacheAsync(Builder.Classic, Commands.Save(app.Directory, store, "--scope", Commands.MainScope), ct);
        save.ExpectExit(0);
        Assert.Empty(save.Report.Warnings);
        Assert.True(save.Report.Save is { Saved: true }, $"the changed build must be saved: {save}");
        Assert.True(save.Report.Build!.StepsExecuted == 0, $"finding the stage images must not run the user's steps again: {save}");

        // And the saved entry is what the user built: a fresh runner gets every step cached.
        await using var fresh = await Runner.StartAsync(ct);
        var warm = await fresh.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        warm.ExpectExit(0);
        ReportAssert.EveryStepCached(warm, "classic");
        Assert.Contains("app: backend version 3", await AppOutput.RunAsync(fresh, "demo:latest", ct), StringComparison.Ordinal);
    }

    [GeneratedRegex("Using cache")]
    private static partial Regex UsingCache();
}
