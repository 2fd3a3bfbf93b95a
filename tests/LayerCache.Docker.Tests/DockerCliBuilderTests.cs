using LayerCache.Testing;
using LayerCache.Docker.Build;

namespace LayerCache.Docker.Tests;

public sealed class DockerCliBuilderTests
{
    private static readonly BuilderChoice Classic = new(BuilderKind.Classic, false, "test");

    private static readonly DockerBuildRequest Request = new()
    {
        Context = "ctx",
        Dockerfile = "ctx/Dockerfile",
        Target = "compile",
        Tags = ["app:1", "localhost/layercache/p/main:compile"],
        BuildArgs = new Dictionary<string, string> { ["A"] = "1" },
        CacheFrom = ["localhost/layercache/p/main:base"],
        ExtraArguments = ["--network", "none"],
    };

    [Fact]
    public void Classic_build_passes_options_through_and_ends_with_the_context()
    {
        var args = new DockerCliBuilder("docker", null, Classic, null).Arguments(Request);

        Assert.Equal(
            ["build", "-f", "ctx/Dockerfile", "--target", "compile", "-t", "app:1", "-t", "localhost/layercache/p/main:compile",
             "--build-arg", "A=1", "--cache-from", "localhost/layercache/p/main:base", "--network", "none", "ctx"],
            args);
    }

    [Fact]
    public void BuildKit_asks_for_plain_progress_and_buildx_for_load()
    {
        var buildkit = new DockerCliBuilder("docker", null, new BuilderChoice(BuilderKind.BuildKit, false, "test"), "1").Arguments(Request);
        var buildx = new DockerCliBuilder("docker", null, new BuilderChoice(BuilderKind.BuildKit, true, "test"), null).Arguments(Request);
        var classicOnNewClient = new DockerCliBuilder("docker", null, Classic, null).Arguments(Request);

        Assert.Contains("--progress=plain", buildkit);
        Assert.DoesNotContain("--load", buildkit);
        Assert.Contains("--load", buildx);
        Assert.DoesNotContain("--load", classicOnNewClient);
    }

    // docker/cli cmd/docker/builder.go processBuilder (CLI >= 23) and cli/command/cli.go BuildKitEnabled (20.10).
    [Theory]
    [InlineData("28.2.2", true, null, "2", BuilderKind.BuildKit, true, false)]
    [InlineData("28.2.2", true, "1", "2", BuilderKind.BuildKit, true, false)]
    [InlineData("28.2.2", true, "0", "2", BuilderKind.Classic, false, false)]
    [InlineData("28.2.2", false, null, "2", BuilderKind.Classic, false, false)]
    [InlineData("28.2.2", false, null, "1", BuilderKind.Classic, false, false)]
    [InlineData("28.2.2", false, "1", "1", BuilderKind.BuildKit, false, true)]
    [InlineData("28.2.2", false, "true", "1", BuilderKind.BuildKit, false, true)]
    [InlineData("28.2.2", false, "yes", "1", BuilderKind.Classic, false, true)]
    [InlineData("23.0.0", false, "False", "2", BuilderKind.Classic, false, false)]
    [InlineData("20.10.24", false, null, "1", BuilderKind.Classic, false, false)]
    [InlineData("20.10.24", false, null, null, BuilderKind.Classic, false, false)]
    [InlineData("20.10.24", false, null, "2", BuilderKind.BuildKit, false, false)]
    [InlineData("20.10.24", false, "1", "1", BuilderKind.BuildKit, false, false)]
    [InlineData("20.10.24", false, "t", "1", BuilderKind.BuildKit, false, false)]
    [InlineData("20.10.24", false, "0", "2", BuilderKind.Classic, false, false)]
    [InlineData("20.10.24", false, "on", "1", BuilderKind.Classic, false, true)]
    public void The_builder_is_chosen_as_the_docker_cli_chooses_it(string client, bool hasBuildx, string? dockerBuildKit, string? daemon, BuilderKind kind, bool buildx, bool fails)
    {
        var choice = BuilderChoice.Decide(Version.Parse(client), hasBuildx, dockerBuildKit, daemon, "linux");

        Assert.Equal((kind, buildx, fails), (choice.Kind, choice.IsBuildx, choice.BuildWillFail));
        Assert.False(string.IsNullOrWhiteSpace(choice.Reason));
    }

    [Fact]
    public void A_buildx_less_cli_23_names_the_missing_plugin_as_the_reason()
    {
        var fallback = BuilderChoice.Decide(new Version(28, 2, 2), false, null, "2", "linux");

        Assert.Equal("classic", fallback.Name);
        Assert.Contains("no buildx plugin", fallback.Reason, StringComparison.Ordinal);
        Assert.Contains("28.2.2", fallback.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_docker_cli_has_no_version_and_means_classic()
    {
        Assert.Null(await DockerCliBuilder.TryGetClientVersionAsync("/nonexistent/docker", _ => null, CancellationToken.None));
        var choice = await DockerCliBuilder.ChooseAsync("/nonexistent/docker", _ => null, null, CancellationToken.None);
        Assert.Equal(BuilderKind.Classic, choice.Kind);
    }

    [Theory]
    [InlineData(Prerequisites.DockerCli, 20)]
    [InlineData("/usr/local/bin/docker", 28)]
    public async Task The_client_version_comes_from_the_cli_without_an_engine(string docker, int major)
    {
        if (!File.Exists(docker))
        {
            return;
        }

        var version = await DockerCliBuilder.TryGetClientVersionAsync(docker, _ => null, CancellationToken.None);
        Assert.Equal(major, version?.Major);
    }

    [Fact]
    public async Task The_buildx_less_v28_client_on_this_machine_falls_back_to_classic()
    {
        const string docker = "/usr/local/bin/docker";
        if (!File.Exists(docker))
        {
            return;
        }

        var unset = await DockerCliBuilder.ChooseAsync(docker, _ => null, null, CancellationToken.None);
        var forced = await DockerCliBuilder.ChooseAsync(docker, n => n == "DOCKER_BUILDKIT" ? "1" : null, null, CancellationToken.None);

        Assert.Equal((BuilderKind.Classic, false), (unset.Kind, unset.BuildWillFail));
        Assert.Equal((BuilderKind.BuildKit, true), (forced.Kind, forced.BuildWillFail));
    }

    [Fact]
    public async Task DOCKER_BUILDKIT_0_means_classic_without_starting_the_cli()
    {
        // A "docker" that leaves a mark when it is run: the probe is a process start that a
        // cached no-op run pays, and DOCKER_BUILDKIT=0 is classic for every CLI version.
        var dir = Directory.CreateTempSubdirectory("lc-cli-probe-");
        try
        {
            var docker = Path.Combine(dir.FullName, "docker");
            var mark = Path.Combine(dir.FullName, "ran");
            await File.WriteAllTextAsync(docker, $"#!/bin/sh\ntouch {mark}\necho 'Docker version 28.2.2, build e6534b4'\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(docker, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var off = await DockerCliBuilder.ChooseAsync(docker, n => n == "DOCKER_BUILDKIT" ? "0" : null, null, CancellationToken.None);
            Assert.Equal((BuilderKind.Classic, false, false), (off.Kind, off.IsBuildx, File.Exists(mark)));

            var unset = await DockerCliBuilder.ChooseAsync(docker, _ => null, null, CancellationToken.None);
            Assert.True(File.Exists(mark));
            Assert.Contains("28.2.2", unset.Reason, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_docker_cli_is_a_typed_error()
    {
        var builder = new DockerCliBuilder("/nonexistent/docker", null, Classic, null);

        var error = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => builder.BuildAsync(Request, null, CancellationToken.None));
        Assert.Contains("/nonexistent/docker", error.Message, StringComparison.Ordinal);
    }
}
