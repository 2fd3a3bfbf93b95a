using System.Diagnostics;
using LayerCache.Core.Reports;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when (issue 9, point 4): the store never enters the build context or the image. The default
/// store is the user's cache directory, so <c>layercache build .</c> twice keeps <c>COPY . .</c> cached
/// and ships no cache file; a store inside the context is refused unless .dockerignore excludes it.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class LocationTests
{
    private const string Scope = "acme/location/main";

    private const string Dockerfile = "FROM busybox:latest\nCOPY . /src/\nRUN find /src | sort > /files.txt\n";

    [Fact]
    public async Task The_default_store_is_outside_the_context_so_a_second_build_of_dot_keeps_COPY_cached_and_ships_no_cache()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var app = CreateApp(temp.Combine("app"));
        var home = temp.Combine("home");
        Directory.CreateDirectory(home);
        await using var runner = await Runner.StartAsync(ct);
        var env = runner.Environment(Builder.Classic, new Dictionary<string, string?> { ["HOME"] = home, ["XDG_CACHE_HOME"] = null, ["LAYERCACHE_CACHE"] = null });
        string[] build = ["build", "--scope", Scope, "--format", "json", "-t", "location:latest", ".", "--", "--network", "none"];

        var first = (await Cli.RunChildAsync(build, env, ct, workingDirectory: app)).ExpectExit(0);
        Assert.True(first.Report.Save is { Saved: true }, $"the first build must save: {first}");
        var second = (await Cli.RunChildAsync(build, env, ct, workingDirectory: app)).ExpectExit(0);

        // The store went to ~/.cache/layercache, and nothing of it into the context.
        Assert.True(File.Exists(Path.Combine(home, ".cache", "layercache", "index.json")), $"no store in {home}/.cache/layercache: {second}");
        Assert.Equal(["Dockerfile", "main.txt"], Directory.EnumerateFileSystemEntries(app).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var copy = second.Report.Build!.Stages.Single().Steps.Single(s => s.Instruction.StartsWith("COPY . ", StringComparison.Ordinal));
        Assert.True(copy.Status == StepStatus.Cached, $"COPY . /src/ must stay cached: {second}");
        var files = await FilesInImageAsync(runner, "location:latest", ct);
        Assert.Equal(["/src", "/src/Dockerfile", "/src/main.txt"], files);
    }

    [Theory]
    [InlineData("build")]
    [InlineData("restore")]
    [InlineData("save")]
    public async Task A_store_inside_the_context_is_refused_in_one_line_naming_the_fix(string command)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var app = CreateApp(temp.Combine("app"));
        var store = Path.Combine(app, ".layercache");
        await using var runner = await Runner.StartAsync(ct);

        var run = await runner.LayercacheAsync(Builder.Classic, [command, "--cache", "dir:" + store, "--scope", Scope, app], ct);
        Assert.True(run.ExitCode == 2, $"{command}: {run}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line: {run}");
        Assert.Contains("inside the build context", lines[0], StringComparison.Ordinal);
        Assert.Contains($"add /.layercache to {Path.Combine(app, ".dockerignore")}", lines[0], StringComparison.Ordinal);
        Assert.False(Directory.Exists(store), "a refused store must not be created");
        Assert.DoesNotContain(await runner.ImageTagsAsync(ct), t => t.StartsWith("localhost/layercache/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Builder.Classic, ".dockerignore")]
    [InlineData(Builder.BuildKit, "Dockerfile.dockerignore")]
    public async Task A_store_inside_the_context_that_its_dockerignore_excludes_is_used_and_never_sent(Builder builder, string ignoreFile)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var app = CreateApp(temp.Combine("app"));
        File.WriteAllText(Path.Combine(app, ignoreFile), "# the CI's layercache store\n/.layercache/\n" + (ignoreFile == ".dockerignore" ? ".dockerignore\n" : string.Empty));
        var store = Path.Combine(app, ".layercache");
        await using var runner = await Runner.StartAsync(ct);
        string[] build = [.. Commands.Build(app, store, "--scope", Scope, "-t", "location:latest")];

        (await runner.LayercacheAsync(builder, build, ct)).ExpectExit(0);
        var second = (await runner.LayercacheAsync(builder, build, ct)).ExpectExit(0);

        Assert.True(File.Exists(Path.Combine(store, "index.json")), $"the store must be used: {second}");
        var copy = second.Report.Build!.Stages.Single().Steps.Single(s => s.Instruction.StartsWith("COPY . ", StringComparison.Ordinal));
        Assert.True(copy.Status == StepStatus.Cached, $"COPY . /src/ must stay cached: {second}");
        Assert.DoesNotContain(await FilesInImageAsync(runner, "location:latest", ct), f => f.Contains(".layercache", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("registry:ghcr.io/acme/cache", "expected registry://HOST[:PORT]/REPOSITORY")]
    [InlineData("registry://ghcr.io/Acme/cache", "not a repository name")]
    [InlineData("gha", "not a store")]
    [InlineData("type=local,dest=lc-e2e-typelocal", "buildx")]
    public async Task A_cache_value_that_is_not_a_directory_is_exit_2_and_creates_nothing(string value, string why)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var temp = new TempDirectory();
        var app = CreateApp(temp.Combine("app"));
        var env = new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent.sock", ["DOCKER_BUILDKIT"] = "0", ["LAYERCACHE_DOCKER"] = Cli.DockerCli, ["HOME"] = temp.Path };

        // As a child in the app directory, so that a value taken for a relative directory would appear there.
        foreach (var command in new[] { "build", "ls" })
        {
            string[] args = command == "build" ? ["build", "--cache", value, "--scope", Scope, "."] : ["ls", "--cache", value];
            var run = await Cli.RunChildAsync(args, env, timeout.Token, workingDirectory: app);
            Assert.True(run.ExitCode == 2, run.ToString());
            var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1 && lines[0].Contains(why, StringComparison.Ordinal) && lines[0].Contains("dir:PATH", StringComparison.Ordinal), run.ToString());
        }

        Assert.Equal(["Dockerfile", "main.txt"], Directory.EnumerateFileSystemEntries(app).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static string CreateApp(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "Dockerfile"), Dockerfile);
        File.WriteAllText(Path.Combine(directory, "main.txt"), "hello\n");
        return directory;
    }

    /// <summary>What <c>COPY . /src/</c> put into the image, as its RUN step listed it.</summary>
    private static async Task<IReadOnlyList<string>> FilesInImageAsync(Runner runner, string image, CancellationToken cancellationToken)
    {
        var result = await runner.DockerAsync(Builder.Classic, ["run", "--rm", "--network", "none", image, "cat", "/files.txt"], cancellationToken);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
