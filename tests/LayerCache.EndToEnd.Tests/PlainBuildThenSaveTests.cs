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
            Assert.True(save.Report.Save is { Saved: true, StagesExported: 4 }, $"every stage must be exported: {save}");
            // The stage images came from the plain build's own cache: finding them ran nothing.
            Assert.Equal(0, save.Report.Build!.StepsExecuted);

            var listing = (await Cli.RunAsync(Commands.List(store), new Dictionary<string, string?>(), ct)).ExpectExit(0).Parse<Core.Reports.StoreListing>();
            var entry = Assert.Single(listing.Entries);
            Assert.Equal(Commands.MainScope, entry.Scope);
            Assert.Equal(ExampleApp.TargetStages.Order(StringComparer.Ordinal), entry.Stages.Order(StringComparer.Ordinal));
            (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
        }

        await using var runner = await Runner.StartAsync(ct);
        var fresh = ExampleApp.CopyTo(temp.Combine("app2"));
        var restore = await runner.LayercacheAsync(Builder.Classic, Commands.Restore(fresh.Directory, store, "--scope", Commands.MainScope), ct);
        restore.ExpectExit(0);
        var restored = restore.Report.Restore!;
        Assert.True(restored.Hit, $"the fresh runner must restore the saved entry: {restore}");
        Assert.True(restored.LayersLoaded > 0);
        Assert.Equal(4, restored.CacheFrom.Count);

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

    [GeneratedRegex("Using cache")]
    private static partial Regex UsingCache();
}
