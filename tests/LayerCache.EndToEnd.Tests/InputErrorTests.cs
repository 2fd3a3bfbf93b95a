using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: malformed flags, a missing Dockerfile, an unreachable engine → one clear line, exit code 2
/// (engine unreachable during a build: a warning and the build's own error and exit code).
/// No engine of its own: these fail before one would be used, or against a socket that does not exist.
/// </summary>
public sealed class InputErrorTests : IDisposable
{
    private const string Unreachable = "unix:///nonexistent.sock";

    private readonly TempDirectory _temp = new();
    private readonly ExampleApp _app;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    public InputErrorTests() => _app = ExampleApp.CopyTo(_temp.Combine("app"));

    private string Store => _temp.Combine("store");

    public void Dispose()
    {
        _timeout.Dispose();
        _temp.Dispose();
    }

    public static TheoryData<string, string[], string> UsageErrors => new()
    {
        { "unknown flag", ["build", "--no-such-flag", "APP"], "--no-such-flag" },
        { "bad --format", ["build", "--format", "yaml", "APP"], "yaml" },
        { "bad --max-age", ["restore", "--max-age", "soon", "APP"], "--max-age" },
        { "bad --keep", ["save", "--keep", "forever", "APP"], "--keep" },
        { "bad --max-size", ["build", "--max-size", "huge", "APP"], "--max-size" },
        { "bad --build-arg", ["build", "--build-arg", "=x", "APP"], "--build-arg" },
        { "bad --cache", ["build", "--cache", "dir:", "APP"], "--cache" },
        { "missing -f Dockerfile", ["build", "-f", "APP/no/Dockerfile", "APP"], "APP/no/Dockerfile" },
        { "context without a Dockerfile", ["build", "APP/backend"], "Dockerfile" },
        { "missing --key-file", ["key", "--key-file", "APP/no.lock", "APP"], "APP/no.lock" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Bad_input_is_one_line_on_stderr_and_exit_code_2(string what, string[] args, string named)
    {
        var run = await Cli.RunAsync(Expand(args), Environment(Unreachable), _timeout.Token);
        AssertOneLineUsageError(run, Expand([named])[0], what);
    }

    [Theory]
    [InlineData("restore")]
    [InlineData("save")]
    public async Task An_unreachable_engine_is_one_line_and_exit_code_2_for_restore_and_save(string command)
    {
        var run = await Cli.RunAsync([command, "--cache", "dir:" + Store, _app.Directory], Environment(Unreachable), _timeout.Token);
        AssertOneLineUsageError(run, "/nonexistent.sock", $"{command} with an unreachable engine");
        Assert.Contains("docker engine", run.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(Builder.Classic)]
    [InlineData(Builder.BuildKit)]
    public async Task Build_with_an_unreachable_engine_warns_and_exits_with_docker_builds_own_error(Builder builder)
    {
        var env = Environment(Unreachable);
        env["DOCKER_BUILDKIT"] = builder == Builder.BuildKit ? "1" : "0";

        // What docker itself does with this engine: the exit code layercache must pass on.
        var docker = await ProcessRunner.RunAsync(
            Cli.DockerCli,
            ["build", "--network", "none", _app.Directory],
            new Dictionary<string, string?> { ["DOCKER_HOST"] = Unreachable, ["DOCKER_BUILDKIT"] = env["DOCKER_BUILDKIT"] },
            null,
            _timeout.Token);
        Assert.NotEqual(0, docker.ExitCode);

        var run = await Cli.RunAsync(Commands.Build(_app.Directory, Store, "--scope", Commands.MainScope), env, _timeout.Token);
        Assert.True(run.ExitCode == docker.ExitCode, $"expected docker's exit code {docker.ExitCode}: {run}");
        Assert.Contains("warning", run.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("unreachable", run.Stderr, StringComparison.OrdinalIgnoreCase);
        // docker 20.10 with BuildKit says either "Cannot connect to the Docker daemon" or "failed to dial gRPC: cannot connect to the Docker daemon".
        Assert.Contains("cannot connect to the docker daemon", run.Stderr, StringComparison.OrdinalIgnoreCase);
        AssertNoStackTrace(run);
        Assert.Equal(docker.ExitCode, run.Report.ExitCode);
        Assert.Contains(run.Report.Warnings, w => w.Contains("unreachable", StringComparison.OrdinalIgnoreCase));
        Assert.False(Directory.Exists(Store) && StoreFiles.Blobs(Store).Count > 0, "a failed build must not save");
    }

    private static void AssertOneLineUsageError(CliRun run, string named, string what)
    {
        Assert.True(run.ExitCode == 2, $"{what}: {run}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"{what}: expected one line on stderr: {run}");
        Assert.StartsWith("layercache: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(named, lines[0], StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
        AssertNoStackTrace(run);
    }

    private static void AssertNoStackTrace(CliRun run)
    {
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", run.Stderr, StringComparison.Ordinal);
    }

    private string[] Expand(string[] args) => [.. args.Select(a => a.Replace("APP", _app.Directory, StringComparison.Ordinal))];

    private static Dictionary<string, string?> Environment(string? dockerHost) => new()
    {
        ["DOCKER_HOST"] = dockerHost,
        ["DOCKER_BUILDKIT"] = "0",
        ["LAYERCACHE_DOCKER"] = Cli.DockerCli,
    };
}
