using System.Diagnostics;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when (issue 9, point 9): SIGTERM (a CI cancelling the job, <c>timeout</c>) or SIGINT during a
/// build ends it within seconds in one line, exit 143 or 130 as a shell reports it, no stack trace,
/// no docker build left running, and a store that verifies. A FIFO or /dev/zero given as <c>-f</c> or
/// <c>--key-file</c> is one line and exit 2 within seconds, not a hang or an out-of-memory.
/// </summary>
[Collection(EngineCollections.A)]
public sealed class SignalTests
{
    private const string Scope = "acme/signal/main";

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task A_signal_during_a_build_cancels_it_in_one_line_with_the_shells_exit_code_and_the_store_verifies(string signal, int exitCode)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var app = temp.Combine("app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "Dockerfile"), "FROM busybox:latest\nARG PAUSE=0\nRUN echo one > /one.txt\nRUN sleep $PAUSE && echo slept-$PAUSE\n");
        var store = temp.Combine("store");
        await using var runner = await Runner.StartAsync(ct);
        var env = runner.Environment(Builder.Classic);

        // A store with an entry, so that the cancelled run has something to damage.
        (await runner.LayercacheAsync(Builder.Classic, Commands.Build(app, store, "--scope", Scope), ct)).ExpectExit(0);

        using var process = Cli.Start(Commands.Build(app, store, "--scope", Scope, "--build-arg", "PAUSE=120"), env);
        var lines = new List<string>();
        var sleeping = new TaskCompletionSource();
        async Task PumpAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                // The classic builder prints "Running in" once the step's container runs.
                if (line.Contains("Running in", StringComparison.Ordinal) && lines.Any(l => l.Contains("RUN sleep", StringComparison.Ordinal)))
                {
                    sleeping.TrySetResult();
                }
            }
        }

        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError));
        await sleeping.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);
        int before;
        lock (lines)
        {
            before = lines.Count;
        }

        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(ct);
        }

        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        await pumps;
        var after = lines.Skip(before).ToList();
        var all = string.Join('\n', lines);
        Assert.True(process.ExitCode == exitCode, $"exit {process.ExitCode}, expected {exitCode}:\n{all}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed} to end");
        Assert.True(after.Count == 1 && after[0] == "layercache: cancelled", $"expected one line after SIG{signal}:\n{string.Join('\n', after)}");
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);

        // The docker build child was ended with it: no client of this context is left behind.
        var leftovers = Directory.EnumerateDirectories("/proc").Select(ReadCommandLine).Where(c => c.Contains("build", StringComparison.Ordinal) && c.Contains(app, StringComparison.Ordinal)).ToList();
        Assert.True(leftovers.Count == 0, "docker build still running: " + string.Join(" | ", leftovers));

        var verify = await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Fact]
    public async Task SIGTERM_during_the_save_leaves_a_store_that_verifies_and_restores()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var app = temp.Combine("app");
        Directory.CreateDirectory(app);

        // A layer big enough that its export into the store takes a while after the build.
        File.WriteAllText(Path.Combine(app, "Dockerfile"), "FROM busybox:latest\nRUN head -c 300000000 /dev/urandom > /big\n");
        var store = temp.Combine("store");
        await using var runner = await Runner.StartAsync(ct);
        var env = runner.Environment(Builder.Classic);

        using var process = Cli.Start(Commands.Build(app, store, "--scope", Scope), env);
        var lines = new List<string>();
        var built = new TaskCompletionSource();
        async Task PumpAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                if (line.StartsWith("Successfully tagged", StringComparison.Ordinal))
                {
                    built.TrySetResult();
                }
            }
        }

        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError));
        await built.Task.WaitAsync(TimeSpan.FromMinutes(3), ct);
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(ct);
        }

        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        await pumps;
        var all = string.Join('\n', lines);
        Assert.True(process.ExitCode == 143, $"exit {process.ExitCode} (a save that finished before the signal exits 0):\n{all}");
        Assert.Equal("layercache: cancelled", lines[^1]);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);

        var verify = await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        var next = (await runner.LayercacheAsync(Builder.Classic, Commands.Build(app, store, "--scope", Scope), ct)).ExpectExit(0);
        Assert.True(next.Report.Save is { Saved: true }, $"the next build must save: {next}");
        Assert.True((await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExitCode == 0);
    }

    [Theory]
    [InlineData("-f", "fifo")]
    [InlineData("-f", "/dev/zero")]
    [InlineData("--key-file", "fifo")]
    [InlineData("--key-file", "/dev/zero")]
    public async Task A_fifo_or_device_as_an_input_file_is_exit_2_within_seconds(string option, string file)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var temp = new TempDirectory();
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var path = file == "fifo" ? temp.Combine("fifo") : file;
        if (file == "fifo")
        {
            (await ProcessRunner.RunAsync("mkfifo", [path], timeout.Token)).EnsureSuccess();
        }

        var clock = Stopwatch.StartNew();
        var env = new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent.sock", ["DOCKER_BUILDKIT"] = "0", ["LAYERCACHE_DOCKER"] = Cli.DockerCli };
        var run = await Cli.RunChildAsync(["key", option, path, "--scope", Scope, app.Directory], env, timeout.Token);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("layercache: " + path + ": ", StringComparison.Ordinal) && lines[0].Contains("not a regular file", StringComparison.Ordinal), run.ToString());
    }

    private static string ReadCommandLine(string procDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procDirectory, "cmdline")).Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
