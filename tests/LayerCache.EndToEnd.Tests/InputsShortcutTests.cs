using LayerCache.Core.Reports;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: on a fresh runner, a build whose inputs are those of the stored entry loads only the
/// target image, tags it as the build would, builds nothing and says so ("inputs unchanged"); a flag
/// that could make docker build differently, or a build arg taken from a changed environment
/// variable, takes the normal path with the reason in the report.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class InputsShortcutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_fresh_runner_with_unchanged_inputs_loads_only_the_target_image_and_builds_nothing()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        var cold = await SeedStore.CopyClassicAsync(store);
        Assert.NotNull(cold.Shortcut?.Inputs);

        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var iidFile = temp.Combine("iid.txt");
        await using var runner = await Runner.StartAsync(ct);
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest", "-t", "demo:2", "--iidfile", iidFile), ct);
        run.ExpectExit(0);
        var report = run.Report;
        output.WriteLine($"shortcut: {report.Shortcut?.Seconds:0.0}s, {report.Restore?.BytesLoaded} bytes loaded, {report.Shortcut?.BytesNotMoved} not moved");

        var shortcut = report.Shortcut ?? throw new Xunit.Sdk.XunitException($"no shortcut report: {run}");
        Assert.True(shortcut.Taken, $"unchanged inputs must take the shortcut: {run}");
        Assert.Equal(cold.Shortcut!.Inputs, shortcut.Inputs);
        Assert.Empty(report.Warnings);
        Assert.True(shortcut.BytesNotMoved > 0, $"the other stages' layers are not moved: {run}");

        // Every step cached, with the reason, and nothing executed.
        var build = report.Build ?? throw new Xunit.Sdk.XunitException($"no build report: {run}");
        Assert.Equal(ExampleApp.ClassicStages, build.Stages.Select(s => s.Stage));
        Assert.All(build.Stages.SelectMany(s => s.Steps), s =>
        {
            Assert.Equal(StepStatus.Cached, s.Status);
            Assert.Equal(ShortcutReport.InputsUnchanged, s.Reason);
        });
        Assert.Equal(0, build.StepsExecuted);
        Assert.False(report.Save!.Saved);

        // Only the target image was loaded: no other stage's image is in the engine.
        var tags = await runner.ImageTagsAsync(ct);
        Assert.Contains("demo:latest", tags);
        Assert.Contains("demo:2", tags);
        Assert.DoesNotContain(tags, t => t.EndsWith(":base", StringComparison.Ordinal) || t.EndsWith(":compile-backend", StringComparison.Ordinal));
        Assert.Single(report.Restore!.Stages);

        // Tagged as the build would: the image id in --iidfile, the app runs.
        var image = await runner.Client.InspectImageAsync("demo:latest", ct) ?? throw new Xunit.Sdk.XunitException("demo:latest is missing");
        Assert.Equal(image.Id.Value, await File.ReadAllTextAsync(iidFile, ct));
        Assert.Equal(image.Id.Value, build.ImageId);
        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains("app: backend version 1", printed, StringComparison.Ordinal);

        // The text report says it in words.
        var text = await runner.LayercacheAsync(Builder.Classic, ["build", "--cache", "dir:" + store, "--scope", Commands.MainScope, "-t", "demo:latest", app.Directory, "--", "--network", "none"], ct);
        text.ExpectExit(0);
        Assert.Contains("inputs unchanged since entry", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("cached (inputs unchanged)", text.Stdout, StringComparison.Ordinal);

        // layercache key prints an inputs digest, the same on every run.
        var key1 = await runner.LayercacheAsync(Builder.Classic, ["key", "--format", "json", app.Directory], ct);
        var key2 = await runner.LayercacheAsync(Builder.Classic, ["key", app.Directory], ct);
        var inputs = key1.ExpectExit(0).Parse<KeyReport>().Inputs;
        Assert.StartsWith("sha256:", inputs, StringComparison.Ordinal);
        Assert.Contains("inputs     " + inputs, key2.ExpectExit(0).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flags_that_could_change_the_build_take_the_normal_path_with_the_reason()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        await using var runner = await Runner.StartAsync(ct);

        // --no-cache: docker runs every step again.
        var noCache = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "--no-cache"), ct);
        noCache.ExpectExit(0);
        NotTaken(noCache, "--no-cache");
        Assert.True(noCache.Report.Build!.StepsExecuted > 0, $"--no-cache must build: {noCache}");

        // A flag layercache does not know: docker judges it (and refuses it here), the shortcut is not taken.
        var unknown = await runner.LayercacheAsync(Builder.Classic, [.. Commands.Build(app.Directory, store, "--scope", Commands.MainScope), "--frobnicate"], ct);
        Assert.NotEqual(0, unknown.ExitCode);
        NotTaken(unknown, "--frobnicate", "not a docker build flag layercache knows");

        // BuildKit: a secret's content is invisible to the digest; an output other than the local image.
        var secret = temp.Combine("token");
        await File.WriteAllTextAsync(secret, "s3cret", ct);
        var buildKit = await runner.LayercacheAsync(
            Builder.BuildKit,
            Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "--secret", "id=token,src=" + secret, "-o", "type=local,dest=" + temp.Combine("out")),
            ct);
        buildKit.ExpectExit(0);
        NotTaken(buildKit, "--secret", "invisible");
        NotTaken(buildKit, "other than the local image");
    }

    [Fact]
    public async Task A_build_arg_taken_from_a_changed_environment_variable_takes_the_normal_path()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        await using var runner = await Runner.StartAsync(ct);
        string[] args = Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "--build-arg", "TOKEN", "-t", "demo:latest");

        // TOKEN's value comes from the environment (docker's --build-arg NAME): another key than the seed's, so it builds and saves its inputs.
        var first = await runner.LayercacheAsync(Builder.Classic, args, ct, new Dictionary<string, string?> { ["TOKEN"] = "one" });
        first.ExpectExit(0);
        Assert.False(first.Report.Shortcut!.Taken, $"another key cannot take the seed's shortcut: {first}");

        var same = await runner.LayercacheAsync(Builder.Classic, args, ct, new Dictionary<string, string?> { ["TOKEN"] = "one" });
        same.ExpectExit(0);
        Assert.True(same.Report.Shortcut!.Taken, $"the same environment must take the shortcut: {same}");

        var changed = await runner.LayercacheAsync(Builder.Classic, args, ct, new Dictionary<string, string?> { ["TOKEN"] = "two" });
        changed.ExpectExit(0);
        NotTaken(changed, "inputs changed", "build args");
    }

    private static void NotTaken(CliRun run, params string[] fragments)
    {
        var shortcut = run.Report.Shortcut ?? throw new Xunit.Sdk.XunitException($"no shortcut report: {run}");
        Assert.False(shortcut.Taken, $"the shortcut must not be taken: {run}");
        Assert.True(
            shortcut.Reasons.Any(r => fragments.All(f => r.Contains(f, StringComparison.Ordinal))),
            $"no shortcut reason names {string.Join(" + ", fragments)}: [{string.Join(" | ", shortcut.Reasons)}]\n{run}");
        Assert.DoesNotContain(run.Report.Build?.Stages.SelectMany(s => s.Steps) ?? [], s => s.Reason is not null);
    }
}
