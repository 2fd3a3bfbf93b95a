using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: docker build's flags mean what they mean to docker, for the target build: <c>-q</c>
/// prints the target's image id alone on stdout, <c>--iidfile</c> gets the target's id (not a stage
/// pass's), a flag after <c>--</c> that would change the plan is refused; and no build-arg value
/// is printed anywhere (log, report, GitHub step summary).
/// </summary>
[Collection(EngineCollections.B)]
public sealed class BuilderFlagsTests
{
    private const string Secret = "tok-5up3r-s3cr3t";

    [Fact]
    public async Task Quiet_and_iidfile_are_the_targets_and_build_arg_values_are_never_printed()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var context = temp.Combine("app");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(
            Path.Combine(context, "Dockerfile"),
            $"FROM {TestImages.Busybox} AS base\nARG TOKEN\nRUN echo base > /base\n\nFROM base AS final\nRUN echo final > /final\n",
            ct);
        var store = temp.Combine("store");
        var iidfile = temp.Combine("iid");
        var summary = temp.Combine("summary.md");
        await using var runner = await Runner.StartAsync(ct);

        // BuildKit: the per-stage pass for "base" runs after the target build, so an --iidfile passed to
        // every build would end up holding base's id.
        var run = await runner.LayercacheAsync(
            Builder.BuildKit,
            ["build", "--cache", "dir:" + store, "--scope", Commands.MainScope, "-q", "--iidfile", iidfile, "--build-arg", "TOKEN=" + Secret, "-t", "app:1", context, "--", "--network", "none"],
            ct,
            new Dictionary<string, string?> { ["GITHUB_STEP_SUMMARY"] = summary });

        run.ExpectExit(0);
        var target = await runner.Client.InspectImageAsync("app:1", ct) ?? throw new Xunit.Sdk.XunitException($"app:1 was not built: {run}");
        Assert.Equal(target.Id.Value, run.Stdout.Trim());
        Assert.Equal(target.Id.Value, (await File.ReadAllTextAsync(iidfile, ct)).Trim());
        Assert.Contains("build:", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("#1 ", run.Stderr, StringComparison.Ordinal);
        var stageBase = await runner.Client.InspectImageAsync($"localhost/layercache/{Commands.MainScope}:base", ct);
        Assert.NotNull(stageBase);
        Assert.NotEqual(target.Id, stageBase.Id);

        Assert.Contains("TOKEN=***", run.Stderr, StringComparison.Ordinal);
        foreach (var (what, text) in new[] { ("stdout", run.Stdout), ("stderr", run.Stderr), ("step summary", await File.ReadAllTextAsync(summary, ct)) })
        {
            Assert.False(text.Contains(Secret, StringComparison.Ordinal), $"the build-arg value is in the {what}: {run}");
        }

        // The JSON report too.
        var json = await runner.LayercacheAsync(Builder.Classic, Commands.Build(context, store, "--scope", Commands.MainScope, "--build-arg", "TOKEN=" + Secret), ct);
        json.ExpectExit(0);
        Assert.DoesNotContain(Secret, json.Stdout + json.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--target", "base", "--target")]
    [InlineData("-f", "Dockerfile", "--file/-f")]
    public async Task A_pass_through_flag_that_would_change_the_plan_is_refused_before_anything_is_built(string flag, string value, string firstClass)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var temp = new TempDirectory();
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var store = temp.Combine("store");

        var run = await Cli.RunAsync(
            ["build", "--cache", "dir:" + store, "--format", "json", app.Directory, "--", "--network", "none", flag, value],
            new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent.sock", ["LAYERCACHE_DOCKER"] = Cli.DockerCli },
            timeout.Token);

        Assert.True(run.ExitCode == 2, $"{run}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line: {run}");
        Assert.Contains($"layercache's own {firstClass}", lines[0], StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
        Assert.False(Directory.Exists(store), "nothing may be written");
    }
}
