namespace LayerCache.Cli.Tests;

/// <summary>Each command's help lists exactly the options it uses and every environment variable it reads.</summary>
public sealed class HelpTests
{
    public static TheoryData<string, string[], string[]> Options => new()
    {
        { "build", ["--cache", "--max-age", "--keep", "--max-size", "--fallback-scope", "--key-file", "--format"], [] },
        { "restore", ["--cache", "--max-age", "--fallback-scope", "--key-file", "--format"], ["--keep", "--max-size"] },
        { "save", ["--cache", "--keep", "--max-size", "--fallback-scope", "--format"], ["--max-age"] },
        { "key", ["--key-file", "--scope", "--format", "--output"], ["--keep", "--max-size", "--max-age", "--cache"] },
        { "stages", ["--file", "--target", "--format"], ["--cache", "--keep"] },
        { "ls", ["--cache", "--format"], ["--keep"] },
        { "prune", ["--cache", "--keep", "--max-size", "--format"], ["--max-age"] },
        { "verify", ["--cache", "--format"], ["--keep"] },
        { "stats", ["--cache", "--scope", "--since", "--format", "--svg"], ["--keep", "--max-age"] },
        { "serve", ["--store", "--listen", "--tls-cert", "--tls-key", "--tokens", "--gc-interval", "--gc-grace", "--upload-timeout"], ["--cache", "--keep"] },
    };

    [Theory]
    [MemberData(nameof(Options))]
    public async Task Help_lists_the_options_the_command_uses_and_no_other(string command, string[] present, string[] absent)
    {
        var (code, stdout, _) = await CliRunner.RunAsync(command, "--help");
        Assert.Equal(0, code);
        var options = OptionsSection(stdout);
        foreach (var option in present)
        {
            Assert.Contains(option + " ", options, StringComparison.Ordinal);
        }

        foreach (var option in absent)
        {
            Assert.DoesNotContain(option + " ", options, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("build", new[] { "LAYERCACHE_CACHE", "LAYERCACHE_DOCKER", "LAYERCACHE_SIGNING_KEY", "LAYERCACHE_PROGRESS_INTERVAL", "LAYERCACHE_DEBUG" })]
    [InlineData("restore", new[] { "LAYERCACHE_CACHE", "LAYERCACHE_DOCKER", "LAYERCACHE_SIGNING_KEY", "LAYERCACHE_PROGRESS_INTERVAL", "LAYERCACHE_DEBUG" })]
    [InlineData("save", new[] { "LAYERCACHE_CACHE", "LAYERCACHE_DOCKER", "LAYERCACHE_SIGNING_KEY", "LAYERCACHE_PROGRESS_INTERVAL", "LAYERCACHE_DEBUG" })]
    [InlineData("key", new[] { "LAYERCACHE_DOCKER", "LAYERCACHE_DEBUG" })]
    [InlineData("ls", new[] { "LAYERCACHE_CACHE", "LAYERCACHE_DEBUG" })]
    [InlineData("verify", new[] { "LAYERCACHE_CACHE", "LAYERCACHE_DEBUG" })]
    [InlineData("stats", new[] { "LAYERCACHE_CACHE", "GITHUB_STEP_SUMMARY", "LAYERCACHE_DEBUG" })]
    public async Task Help_lists_the_environment_variables_the_command_reads(string command, string[] variables)
    {
        var (code, stdout, _) = await CliRunner.RunAsync(command, "--help");
        Assert.Equal(0, code);
        var section = stdout[stdout.IndexOf("Environment variables:", StringComparison.Ordinal)..];
        foreach (var variable in variables)
        {
            Assert.Contains(variable, section, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Root_help_lists_every_LAYERCACHE_variable_the_source_reads()
    {
        var (_, stdout, _) = await CliRunner.RunAsync("--help");
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(CliRunner.RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories))
        {
            foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(file), "\"(LAYERCACHE_[A-Z_]+)\""))
            {
                read.Add(match.Groups[1].Value);
            }
        }

        Assert.Contains("LAYERCACHE_DEBUG", read);
        var readme = File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot, "README.md"));
        foreach (var variable in read)
        {
            Assert.Contains(variable, stdout, StringComparison.Ordinal);
            Assert.Contains(variable, readme, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("build")]
    [InlineData("ls")]
    [InlineData("stages")]
    public async Task Format_default_is_shown_as_the_user_types_it(string command)
    {
        var (_, stdout, _) = await CliRunner.RunAsync(command, "--help");
        Assert.DoesNotContain("[default: Text]", stdout, StringComparison.Ordinal);
        Assert.Contains("text (the default) or json", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_is_named_with_the_root_help()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("restor");
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("layercache: unknown command 'restor' (see 'layercache --help')" + Environment.NewLine, stderr);
    }

    [Fact]
    public async Task An_unknown_root_option_points_at_the_root_help()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("--bogus");
        Assert.Equal(2, code);
        Assert.Equal("layercache: unknown option '--bogus' (see 'layercache --help')" + Environment.NewLine, stderr);
    }

    private static string OptionsSection(string help)
    {
        var start = help.IndexOf("Options:", StringComparison.Ordinal);
        var end = help.IndexOf("Environment variables:", StringComparison.Ordinal);
        return help[start..(end < 0 ? help.Length : end)];
    }
}
