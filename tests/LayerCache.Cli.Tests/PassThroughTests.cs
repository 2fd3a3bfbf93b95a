using LayerCache.Cli.Commands;

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
}
