using LayerCache.Core.Workflows;
using LayerCache.Docker.Build;
using LayerCache.Dockerfile;
using LayerCache.Oci;

namespace LayerCache.Core.Tests;

/// <summary>Everything that could make docker build differently than the inputs digest tells refuses the shortcut, with the reason.</summary>
public sealed class ShortcutRulesTests
{
    private static readonly Digest Base = Digest.Compute("base"u8.ToArray());

    [Theory]
    [InlineData("--no-cache", "--no-cache")]
    [InlineData("--pull", "--pull")]
    [InlineData("--no-cache-filter=build", "--no-cache-filter")]
    [InlineData("--secret=id=token,src=/tmp/token", "invisible")]
    [InlineData("--ssh=default", "invisible")]
    [InlineData("--push", "other than the local image")]
    [InlineData("--output=type=local,dest=out", "other than the local image")]
    [InlineData("-otype=tar,dest=out.tar", "other than the local image")]
    [InlineData("--cache-to=type=inline", "--cache-to")]
    [InlineData("--cache-from=registry.example/app", "--cache-from")]
    [InlineData("--metadata-file=meta.json", "--metadata-file")]
    [InlineData("--sbom=true", "attestations")]
    [InlineData("--frobnicate", "not a docker build flag layercache knows")]
    public void A_flag_that_changes_the_build_refuses_it(string flag, string reason)
    {
        var refusals = Refusals(new DockerBuildArguments { TargetOnly = [flag] });
        Assert.Contains(refusals, r => r.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Flags_that_only_name_the_result_or_its_display_allow_it()
    {
        var docker = new DockerBuildArguments { EveryPass = ["--network", "none"], TargetOnly = ["--label", "a=b", "--iidfile", "id.txt", "--load"] };
        Assert.Empty(Refusals(docker));
        Assert.Equal(["--network", "none", "--label", "a=b", "--load"], ShortcutRules.DigestedFlags(docker));
        Assert.Equal("id.txt", ShortcutRules.IidFile(docker));
    }

    [Fact]
    public void A_base_image_the_engine_lacks_refuses_it()
    {
        var refusals = ShortcutRules.Refusals(DockerBuildArguments.None, Plan("FROM base\nRUN true\n"), new Dictionary<string, Digest?> { ["base"] = null }, null, buildKit: false, contextIsDirectory: true);
        Assert.Contains(refusals, r => r.Contains("base image base", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unpinned_frontend_refuses_it_under_BuildKit_only()
    {
        Assert.Contains(Refusals(DockerBuildArguments.None, syntax: "docker/dockerfile:1", buildKit: true), r => r.Contains("syntax", StringComparison.Ordinal));
        Assert.Empty(Refusals(DockerBuildArguments.None, syntax: "docker/dockerfile:1@sha256:" + new string('a', 64), buildKit: true));
        Assert.Empty(Refusals(DockerBuildArguments.None, syntax: "docker/dockerfile:1", buildKit: false));
    }

    [Fact]
    public void Remote_content_refuses_it_unless_pinned_by_checksum()
    {
        Assert.Contains(Refusals(DockerBuildArguments.None, "FROM base\nADD https://example.com/a.tgz /a\n"), r => r.Contains("remote content", StringComparison.Ordinal));
        Assert.Empty(Refusals(DockerBuildArguments.None, "FROM base\nADD --checksum=sha256:" + new string('a', 64) + " https://example.com/a.tgz /a\n"));
        Assert.Empty(Refusals(DockerBuildArguments.None, "FROM base\nADD local.tgz /a\n"));
    }

    [Fact]
    public void A_context_that_is_not_a_directory_refuses_it() =>
        Assert.Contains(
            ShortcutRules.Refusals(DockerBuildArguments.None, Plan("FROM base\n"), new Dictionary<string, Digest?> { ["base"] = Base }, null, buildKit: false, contextIsDirectory: false),
            r => r.Contains("not a local directory", StringComparison.Ordinal));

    private static IReadOnlyList<string> Refusals(DockerBuildArguments docker, string dockerfile = "FROM base\nCOPY . /app\n", string? syntax = null, bool buildKit = false) =>
        ShortcutRules.Refusals(docker, Plan(dockerfile), new Dictionary<string, Digest?> { ["base"] = Base }, syntax, buildKit, contextIsDirectory: true);

    private static BuildPlan Plan(string dockerfile) => StageGraph.Plan(DockerfileParser.Parse(dockerfile, "Dockerfile"), null, new Dictionary<string, string>());
}
