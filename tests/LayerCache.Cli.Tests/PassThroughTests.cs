using LayerCache.Cli.Commands;
using LayerCache.Core;

namespace LayerCache.Cli.Tests;

public sealed class PassThroughTests
{
    [Fact]
    public void Arguments_after_double_dash_go_to_docker()
    {
        var (own, docker) = PassThrough.Split(["build", "-t", "app", ".", "--", "--network", "none"]);

        Assert.Equal(["build", "-t", "app", "."], own);
        Assert.Equal(["--network", "none"], docker);
    }

    [Fact]
    public void Without_double_dash_nothing_goes_to_docker()
    {
        var (own, docker) = PassThrough.Split(["build", "."]);

        Assert.Equal(["build", "."], own);
        Assert.Empty(docker);
    }

    [Fact]
    public void Context_may_be_the_last_docker_word_as_in_docker_build()
    {
        var dir = Directory.CreateTempSubdirectory("lc-ctx-").FullName;
        try
        {
            var (context, docker) = PassThrough.ResolveContext(null, ["--network", "none", dir]);

            Assert.Equal(dir, context);
            Assert.Equal(["--network", "none"], docker);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void A_positional_context_wins_and_a_flag_value_is_not_a_context()
    {
        var (context, docker) = PassThrough.ResolveContext("ctx", ["--network", "none"]);

        Assert.Equal("ctx", context);
        Assert.Equal(["--network", "none"], docker);
        Assert.Equal(".", PassThrough.ResolveContext(null, ["--network", "none"]).Context);
    }

    [Fact]
    public async Task Double_dash_is_refused_for_commands_that_do_not_build()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("ls", "--", "--network", "none");

        Assert.Equal(2, code);
        Assert.Contains("takes none", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_that_change_what_a_stage_builds_go_to_every_pass_the_rest_to_the_target_only()
    {
        var docker = PassThrough.Classify(
            ["--platform", "linux/AMD64", "--label", "a=b"],
            ["--network", "none", "--secret", "id=npm,src=.npmrc", "--ssh=default", "--iidfile", "id.txt", "--pull", "--no-cache", "-o", "type=local,dest=out", "--shm-size", "1g", "--future-flag"]);

        Assert.Equal(["--platform", "linux/AMD64", "--network", "none", "--secret", "id=npm,src=.npmrc", "--ssh=default", "--shm-size", "1g"], docker.EveryPass);
        Assert.Equal(["--label", "a=b", "--iidfile", "id.txt", "--pull", "--no-cache", "-o", "type=local,dest=out", "--future-flag"], docker.TargetOnly);
        Assert.Equal("linux/amd64", docker.Platform);
        Assert.True(docker.UserOutputs);
        Assert.False(docker.Quiet);
    }

    [Theory]
    [InlineData("-q")]
    [InlineData("--quiet")]
    [InlineData("--progress=quiet")]
    public void Quiet_is_read_by_layercache_and_not_passed_on(string flag)
    {
        var docker = PassThrough.Classify([], [flag, "--network", "none"]);

        Assert.True(docker.Quiet);
        Assert.Equal(["--network", "none"], docker.EveryPass);
        Assert.Empty(docker.TargetOnly);
    }

    [Theory]
    [InlineData("--target", "base", "--target")]
    [InlineData("--target=base", null, "--target")]
    [InlineData("-f", "other/Dockerfile", "-f")]
    [InlineData("--file", "other/Dockerfile", "--file")]
    [InlineData("-t", "app:1", "-t")]
    [InlineData("--build-arg", "A=1", "--build-arg")]
    [InlineData("--build-context", "base=docker-image://alpine", "--build-context")]
    public void Flags_that_would_change_the_plan_are_refused_after_double_dash(string flag, string? value, string named)
    {
        string[] args = value is null ? [flag] : [flag, value];

        var error = Assert.Throws<InvalidInputException>(() => PassThrough.Classify([], args));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_multi_platform_request_is_refused_naming_one_platform()
    {
        var error = Assert.Throws<InvalidInputException>(() => PassThrough.Classify(["--platform", "linux/amd64,linux/arm64"], []));

        Assert.Contains("multi-platform", error.Message, StringComparison.Ordinal);
        Assert.Contains("--platform linux/amd64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Target_after_double_dash_is_one_line_and_exit_code_2()
    {
        var dir = Directory.CreateTempSubdirectory("lc-ctx-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "Dockerfile"), "FROM scratch AS base\nFROM scratch\n");
            var (code, stdout, stderr) = await CliRunner.RunAsync("build", "--cache", "dir:" + Path.Combine(dir, "store"), dir, "--", "--target", "base");

            Assert.Equal(2, code);
            Assert.Equal(string.Empty, stdout);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("--target", stderr, StringComparison.Ordinal);
            Assert.Contains("layercache's own --target", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_option_that_is_a_docker_build_flag_suggests_double_dash()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("build", "--shm-size", "1g", ".");

        Assert.Equal(2, code);
        Assert.Contains("-- --shm-size", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_flags_are_first_class_options_of_build()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("build", "--help");

        Assert.Equal(0, code);
        foreach (var flag in new[] { "--platform", "--secret", "--ssh", "--label", "--pull", "--no-cache", "--network", "--add-host", "--iidfile", "--metadata-file", "--progress", "--load", "--push", "--output", "-q" })
        {
            Assert.Contains(flag, stdout, StringComparison.Ordinal);
        }
    }
}
