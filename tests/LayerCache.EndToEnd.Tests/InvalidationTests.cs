using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: base image replaced under the same tag → not restored, cold build, the reason reported.
/// <c>--max-age 0d</c> → the same.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class InvalidationTests
{
    [Fact]
    public async Task A_base_image_replaced_under_the_same_tag_is_not_restored_and_the_build_runs_cold()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        await using var runner = await Runner.StartAsync(ct);
        var original = await runner.Client.InspectImageAsync(TestImages.Busybox, ct);

        // Upstream published a security update: busybox:latest is now another image.
        var update = temp.Combine("busybox-update");
        Directory.CreateDirectory(update);
        await File.WriteAllTextAsync(Path.Combine(update, "Dockerfile"), $"FROM {TestImages.Busybox}\nRUN echo patched > /etc/security-update\n", ct);
        await runner.DockerAsync(Builder.Classic, ["build", "--network", "none", "-q", "-t", TestImages.Busybox, update], ct);
        var updated = await runner.Client.InspectImageAsync(TestImages.Busybox, ct);
        Assert.NotEqual(original!.Id, updated!.Id);

        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        run.ExpectExit(0);
        ReportAssert.NotRestoredBecause(run, "base image", "busybox", "changed");
        ReportAssert.Cold(run);
        Assert.True(run.Report.Save is { Saved: true }, $"the new base's build must be saved: {run}");

        // The app was built on the updated base.
        var marker = await runner.DockerAsync(Builder.Classic, ["run", "--rm", "--network", "none", "--entrypoint", "cat", "demo:latest", "/etc/security-update"], ct);
        Assert.Contains("patched", marker.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max_age_0d_restores_nothing_and_the_build_runs_cold()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        await using var runner = await Runner.StartAsync(ct);

        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "--max-age", "0d", "-t", "demo:latest"), ct);
        run.ExpectExit(0);
        ReportAssert.NotRestoredBecause(run, "older than --max-age");
        ReportAssert.Cold(run);
        Assert.Empty(run.Report.Warnings);

        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains("app: backend version 1", printed, StringComparison.Ordinal);
    }
}
