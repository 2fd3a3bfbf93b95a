using System.Text.RegularExpressions;
using LayerCache.Docker.Build;
using LayerCache.Testing;

namespace LayerCache.Docker.Tests;

public sealed partial class DockerBuildFlagsTests
{
    /// <summary>Every flag the machine's docker CLIs list in <c>docker build --help</c> (20.10 and 28's legacy builder) has a row.</summary>
    /// <remarks>20.10 lists its BuildKit-only flags (--secret, --ssh, --output, --progress) only with DOCKER_BUILDKIT=1.</remarks>
    [Theory]
    [InlineData(Prerequisites.DockerCli, "0")]
    [InlineData(Prerequisites.DockerCli, "1")]
    [InlineData("/usr/local/bin/docker", "0")]
    public async Task Every_flag_docker_build_help_lists_has_a_treatment(string docker, string buildkit)
    {
        Assert.True(File.Exists(docker), $"{docker} is a test prerequisite");
        var help = await ProcessRunner.RunAsync(docker, ["build", "--help"], new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = buildkit }, null, CancellationToken.None);
        var listed = HelpFlag().Matches(help.StandardOutput + help.StandardError).Select(m => m.Groups["long"].Value).Distinct().ToList();

        Assert.True(listed.Count >= 20, $"parsed only {listed.Count} flags from {docker} build --help");
        var missing = listed.Where(f => DockerBuildFlags.Find(f) is null).ToList();
        Assert.True(missing.Count == 0, $"no treatment for {string.Join(", ", missing)}");
    }

    [Theory]
    [InlineData("--target", DockerFlagTreatment.Refused)]
    [InlineData("-f", DockerFlagTreatment.Refused)]
    [InlineData("--file=x", DockerFlagTreatment.Refused)]
    [InlineData("-tapp", DockerFlagTreatment.Refused)]
    [InlineData("--build-arg", DockerFlagTreatment.Refused)]
    [InlineData("--network=none", DockerFlagTreatment.EveryPass)]
    [InlineData("--secret", DockerFlagTreatment.EveryPass)]
    [InlineData("--ssh", DockerFlagTreatment.EveryPass)]
    [InlineData("--platform", DockerFlagTreatment.EveryPass)]
    [InlineData("--iidfile", DockerFlagTreatment.TargetOnly)]
    [InlineData("-q", DockerFlagTreatment.TargetOnly)]
    [InlineData("-o", DockerFlagTreatment.TargetOnly)]
    [InlineData("--label", DockerFlagTreatment.TargetOnly)]
    [InlineData("--no-cache", DockerFlagTreatment.TargetOnly)]
    [InlineData("--pull", DockerFlagTreatment.TargetOnly)]
    public void Flags_are_found_in_every_spelling(string word, DockerFlagTreatment treatment) =>
        Assert.Equal(treatment, DockerBuildFlags.Find(word)?.Treatment);

    [Fact]
    public void Build_arg_values_are_redacted_in_every_spelling()
    {
        var shown = DockerBuildFlags.Redact(["build", "--build-arg", "TOKEN=s3cret", "--build-arg=KEY=v=al", "--build-arg", "FROM_ENV", "--secret", "id=npm,src=.npmrc", "."]);

        Assert.Equal(["build", "--build-arg", "TOKEN=***", "--build-arg=KEY=***", "--build-arg", "FROM_ENV", "--secret", "id=npm,src=.npmrc", "."], shown);
    }

    [Fact]
    public void The_displayed_command_line_of_a_build_hides_build_arg_values()
    {
        var builder = new DockerCliBuilder("docker", null, new BuilderChoice(BuilderKind.Classic, false, "test"), null);
        var request = new DockerBuildRequest { Context = ".", BuildArgs = new Dictionary<string, string> { ["TOKEN"] = "s3cret" } };

        Assert.Contains("TOKEN=s3cret", builder.Arguments(request));
        Assert.DoesNotContain("s3cret", string.Join(' ', builder.DisplayArguments(request)), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s+(?:-\w, )?(?<long>--[a-z][a-z-]+)", RegexOptions.Multiline)]
    private static partial Regex HelpFlag();
}
