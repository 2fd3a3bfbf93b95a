using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: <c>layercache build</c> uses the builder the docker CLI picks (docker/cli
/// cmd/docker/builder.go): a 23+ CLI without buildx falls back to the legacy builder when
/// DOCKER_BUILDKIT is unset and refuses DOCKER_BUILDKIT=1 with its own error and exit code; 20.10
/// builds classic. The report names the builder and why.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class BuilderChoiceTests
{
    /// <summary>The machine's docker 28 client, which has no buildx plugin.</summary>
    private const string BuildxLessCli = "/usr/local/bin/docker";

    [Fact]
    public async Task Builds_with_the_builder_each_docker_cli_picks_and_fails_as_docker_does_without_buildx()
    {
        Assert.True(File.Exists(BuildxLessCli), $"{BuildxLessCli} (a docker 23+ client without buildx) is a test prerequisite");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var context = temp.Combine("app");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {TestImages.Busybox} AS base\nRUN echo built > /built\n", ct);
        var store = temp.Combine("store");
        await using var runner = await Runner.StartAsync(ct);

        foreach (var docker in new[] { BuildxLessCli, Cli.DockerCli })
        {
            var unset = new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = null, ["LAYERCACHE_DOCKER"] = docker };
            var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(context, store, "--scope", docker == BuildxLessCli ? "acme/shop/v28" : "acme/shop/v20"), ct, unset);

            run.ExpectExit(0);
            Assert.Equal("classic", run.Report.Build!.Builder);
            Assert.NotNull(run.Report.Build.BuilderReason);
            if (docker == BuildxLessCli)
            {
                Assert.Contains("no buildx plugin", run.Report.Build.BuilderReason, StringComparison.Ordinal);
            }

            Assert.True(run.Report.Save is { Saved: true }, $"{docker}: {run}");
        }

        // DOCKER_BUILDKIT=1 on a buildx-less 23+ CLI: docker build itself refuses; layercache must
        // do exactly that (its exit code, its error), not a URL as the error.
        var forced = new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = "1", ["LAYERCACHE_DOCKER"] = BuildxLessCli };
        var docker28 = await ProcessRunner.RunAsync(
            BuildxLessCli,
            ["build", "--network", "none", context],
            new Dictionary<string, string?> { ["DOCKER_HOST"] = runner.Engine.Host, ["DOCKER_BUILDKIT"] = "1" },
            null,
            ct);
        Assert.NotEqual(0, docker28.ExitCode);

        var refused = await runner.LayercacheAsync(Builder.BuildKit, Commands.Build(context, store, "--scope", "acme/shop/forced"), ct, forced);
        Assert.True(refused.ExitCode == docker28.ExitCode, $"expected docker's exit code {docker28.ExitCode}: {refused}");
        var build = refused.Report.Build!;
        Assert.Equal(docker28.ExitCode, build.ExitCode);
        Assert.Contains("buildx component is missing", build.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("http", build.Error, StringComparison.Ordinal);
        Assert.Contains("no buildx plugin", build.BuilderReason, StringComparison.Ordinal);
        Assert.Contains("buildx component is missing", refused.Stderr, StringComparison.Ordinal);
        Assert.True(refused.Report.Restore is { Hit: false, LayersLoaded: 0 }, $"nothing is loaded for a build docker refuses: {refused}");
    }
}
