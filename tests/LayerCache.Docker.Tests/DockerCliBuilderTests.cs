using LayerCache.Docker.Build;

namespace LayerCache.Docker.Tests;

public sealed class DockerCliBuilderTests
{
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
        var args = new DockerCliBuilder("docker", null, BuilderKind.Classic).Arguments(Request);

        Assert.Equal(
            ["build", "-f", "ctx/Dockerfile", "--target", "compile", "-t", "app:1", "-t", "localhost/layercache/p/main:compile",
             "--build-arg", "A=1", "--cache-from", "localhost/layercache/p/main:base", "--network", "none", "ctx"],
            args);
    }

    [Fact]
    public void BuildKit_asks_for_plain_progress_and_buildx_for_load()
    {
        var buildkit = new DockerCliBuilder("docker", null, BuilderKind.BuildKit).Arguments(Request);
        var buildx = new DockerCliBuilder("docker", null, BuilderKind.BuildKit, isBuildx: true).Arguments(Request);
        var classicOnNewClient = new DockerCliBuilder("docker", null, BuilderKind.Classic, isBuildx: true).Arguments(Request);

        Assert.Contains("--progress=plain", buildkit);
        Assert.DoesNotContain("--load", buildkit);
        Assert.Contains("--load", buildx);
        Assert.DoesNotContain("--load", classicOnNewClient);
    }

    [Theory]
    [InlineData("0", BuilderKind.Classic)]
    [InlineData("false", BuilderKind.Classic)]
    [InlineData("1", BuilderKind.BuildKit)]
    [InlineData("true", BuilderKind.BuildKit)]
    public async Task DOCKER_BUILDKIT_decides_the_builder(string value, BuilderKind expected) =>
        Assert.Equal(expected, await DockerCliBuilder.DetectBuilderAsync("/nonexistent/docker", value, CancellationToken.None));

    [Fact]
    public async Task Without_DOCKER_BUILDKIT_an_old_or_missing_client_means_classic() =>
        Assert.Equal(BuilderKind.Classic, await DockerCliBuilder.DetectBuilderAsync("/nonexistent/docker", null, CancellationToken.None));

    [Fact]
    public async Task A_missing_docker_cli_is_a_typed_error()
    {
        var builder = new DockerCliBuilder("/nonexistent/docker", null, BuilderKind.Classic);

        var error = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => builder.BuildAsync(Request, null, CancellationToken.None));
        Assert.Contains("/nonexistent/docker", error.Message, StringComparison.Ordinal);
    }
}
