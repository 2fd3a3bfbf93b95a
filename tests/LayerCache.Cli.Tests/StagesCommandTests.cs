using System.Text.Json;

namespace LayerCache.Cli.Tests;

public sealed class StagesCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lc-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Example_as_json_lists_the_stages_the_runtime_needs_in_build_order()
    {
        var example = Path.Combine(CliRunner.RepositoryRoot, "examples", "multistage");
        var (code, stdout, stderr) = await CliRunner.RunAsync("stages", "-f", Path.Combine(example, "Dockerfile"), "--format", "json", example);

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("runtime", root.GetProperty("target").GetString());
        var names = root.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["base", "compile-backend", "compile-frontend", "runtime"], names);
        var backend = root.GetProperty("stages")[1];
        Assert.Equal("stage", backend.GetProperty("base").GetProperty("kind").GetString());
        Assert.Equal(["base"], backend.GetProperty("dependsOn").EnumerateArray().Select(e => e.GetString()).ToList());
        var runtime = root.GetProperty("stages")[3];
        Assert.Equal(["compile-backend", "compile-frontend"], runtime.GetProperty("dependsOn").EnumerateArray().Select(e => e.GetString()).ToList());
        Assert.Equal(["busybox:latest"], root.GetProperty("externalImages").EnumerateArray().Select(e => e.GetString()).ToList());
    }

    [Fact]
    public async Task Text_output_names_target_and_stages()
    {
        var example = Path.Combine(CliRunner.RepositoryRoot, "examples", "multistage");
        var (code, stdout, _) = await CliRunner.RunAsync("stages", example, "--target", "compiled", "--build-arg", "BASE_IMAGE=busybox:1.36");

        Assert.Equal(0, code);
        Assert.Contains("target compiled", stdout, StringComparison.Ordinal);
        Assert.Contains("compile-frontend", stdout, StringComparison.Ordinal);
        Assert.Contains("external images: busybox:1.36", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_instruction_is_exit_2_with_file_and_line()
    {
        var file = Write("FROM busybox\nRUN true\nFROBNICATE now\n");
        var (code, stdout, stderr) = await CliRunner.RunAsync("stages", "-f", file, _dir);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains($"{file}:3:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unterminated_heredoc_is_exit_2_with_its_line()
    {
        var file = Write("FROM busybox\n\nRUN <<EOF\necho hi\n");
        var (code, _, stderr) = await CliRunner.RunAsync("stages", "-f", file, _dir);

        Assert.Equal(2, code);
        Assert.Contains($"{file}:3:", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Variable_in_copy_from_is_exit_2_with_its_line()
    {
        // BuildKit (dockerfile2llb/convert.go toCommand) refuses any expansion in COPY --from.
        var file = Write("FROM busybox AS build\nRUN true\n\nFROM busybox\nCOPY --from=$SRC / /\n");
        var (code, _, stderr) = await CliRunner.RunAsync("stages", "-f", file, _dir);

        Assert.Equal(2, code);
        Assert.Contains($"{file}:5:", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Env_without_value_is_exit_2_with_its_line()
    {
        var file = Write("FROM busybox\nENV PATH\n");
        var (code, _, stderr) = await CliRunner.RunAsync("stages", "-f", file, _dir);

        Assert.Equal(2, code);
        Assert.Contains($"{file}:2:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_target_is_exit_2_naming_it()
    {
        var file = Write("FROM busybox AS one\nRUN true\n");
        var (code, _, stderr) = await CliRunner.RunAsync("stages", "-f", file, "--target", "two", _dir);

        Assert.Equal(2, code);
        Assert.Contains("two", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_dockerfile_is_exit_2()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("stages", Path.Combine(_dir, "nowhere"));

        Assert.Equal(2, code);
        Assert.Contains("Dockerfile not found", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stages", "--format", "yaml")]
    [InlineData("stages", "--no-such-flag")]
    [InlineData("stages", "--build-arg", "=value")]
    [InlineData("no-such-command")]
    public async Task Malformed_flags_are_exit_2_with_one_line(params string[] args)
    {
        var (code, _, stderr) = await CliRunner.RunAsync([.. args, _dir]);

        Assert.Equal(2, code);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("layercache: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_a_version()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("--version");

        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout);
    }

    private string Write(string content)
    {
        var path = Path.Combine(_dir, "Dockerfile");
        File.WriteAllText(path, content);
        return path;
    }
}
