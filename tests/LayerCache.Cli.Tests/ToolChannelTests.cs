using LayerCache.Testing;

namespace LayerCache.Cli.Tests;

/// <summary>
/// The dotnet tool channel, as a new user meets it: the package `make dist` builds, installed with the
/// README's own command (read from its Install table by scripts/readme-install.sh) into a scratch
/// DOTNET_CLI_HOME, then the installed command runs. The binaries and the image are checked the same
/// way by `make dist-check` (publishing them takes minutes; packing the tool takes seconds).
/// </summary>
public sealed class ToolChannelTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string _dir = Directory.CreateTempSubdirectory("lc-tool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Readme_command_installs_the_tool_that_then_runs()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        var root = CliRunner.RepositoryRoot;
        var version = typeof(CliApp).Assembly.GetName().Version!.ToString(3);

        // The package of the build under test (no second build while other tests run its output).
        var packages = Path.Combine(_dir, "artifacts", "dist");
        (await ProcessRunner.RunAsync("dotnet", ["pack", Path.Combine(root, "src", "LayerCache.Cli", "LayerCache.Cli.csproj"), "--no-build", "-c", Configuration, "-nologo", "-o", packages], null, null, ct)).EnsureSuccess();
        Assert.True(File.Exists(Path.Combine(packages, $"layercache.{version}.nupkg")), $"no layercache.{version}.nupkg in {packages}");

        var command = (await RunAsync(Path.Combine(root, "scripts", "readme-install.sh"), ["dotnet", "tool"], root, ct)).StandardOutput.Trim();
        Assert.StartsWith("dotnet tool install", command, StringComparison.Ordinal);
        Assert.Contains($"--version {version}", command, StringComparison.Ordinal);

        // Only the local package source: the test must not depend on (or be fooled by) a public feed.
        await File.WriteAllTextAsync(Path.Combine(_dir, "nuget.config"), "<configuration><packageSources><clear /></packageSources></configuration>", ct);
        await RunAsync("bash", ["-euo", "pipefail", "-c", command], _dir, ct);

        var tool = Path.Combine(_dir, "home", ".dotnet", "tools", "layercache");
        var shown = await RunAsync(tool, ["--version"], _dir, ct);
        Assert.StartsWith(version + "+", shown.StandardOutput, StringComparison.Ordinal);
        var stages = await RunAsync(tool, ["stages", "--format", "json", Path.Combine(root, "examples", "multistage")], _dir, ct);
        Assert.Contains("\"compile-frontend\"", stages.StandardOutput, StringComparison.Ordinal);
        var refused = await ProcessRunner.RunAsync(tool, ["biuld", "."], Environment(), null, ct);
        Assert.Equal(2, refused.ExitCode);
    }

    /// <summary>Runs in <paramref name="directory"/> (env -C: the README's command uses a relative path) with the scratch homes.</summary>
    private async Task<ProcessResult> RunAsync(string file, string[] arguments, string directory, CancellationToken ct) =>
        (await ProcessRunner.RunAsync("/usr/bin/env", ["-C", directory, file, .. arguments], Environment(), null, ct)).EnsureSuccess();

    private Dictionary<string, string?> Environment() => new(StringComparer.Ordinal)
    {
        ["DOTNET_CLI_HOME"] = Path.Combine(_dir, "home"),
        ["NUGET_PACKAGES"] = Path.Combine(_dir, "nuget"),
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };
}
