using System.Text.RegularExpressions;
using LayerCache.Testing;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: progress lines appear in a non-TTY log during a large restore (and save), on stderr,
/// while stdout stays the JSON report. layercache runs as a child process with stderr redirected,
/// as in a CI log; <c>LAYERCACHE_PROGRESS_INTERVAL</c> shortens the 5 s between lines so that a
/// 100 MB layer, moved in about a second, shows several.
/// </summary>
[Collection(EngineCollections.B)]
public sealed partial class ProgressTests(ITestOutputHelper output)
{
    private const int LayerMegabytes = 100;

    [Fact]
    public async Task Save_and_restore_of_a_large_layer_print_progress_lines_to_a_log()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var context = temp.Combine("app");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(
            Path.Combine(context, "Dockerfile"),
            $"""
            FROM {TestImages.Busybox} AS data
            RUN head -c {LayerMegabytes}m /dev/urandom > /blob
            """,
            ct);
        var store = temp.Combine("store");
        var quick = new Dictionary<string, string?> { ["LAYERCACHE_PROGRESS_INTERVAL"] = "0.1" };

        await using (var first = await Runner.StartAsync(ct))
        {
            var saved = await Cli.RunChildAsync(Commands.Build(context, store, "--scope", Commands.MainScope), first.Environment(Builder.Classic, quick), ct);
            saved.ExpectExit(0);
            output.WriteLine(saved.Stderr);
            Assert.True(saved.Report.Save is { Saved: true }, $"{saved}");
            var lines = Lines(saved.Stderr);
            var saveStart = lines.FindIndex(l => SaveStartLine().IsMatch(l));
            Assert.True(saveStart >= 0, $"no \"saving N layers…\" line:\n{saved.Stderr}");
            Assert.True(saveStart < lines.FindIndex(l => SavingLine().IsMatch(l)), "the saving… line comes first");
            Assert.Contains(lines, l => SavedLine().IsMatch(l));
            Assert.Contains(lines, l => SavingLine().IsMatch(l));
        }

        await using var runner = await Runner.StartAsync(ct);
        var restored = await Cli.RunChildAsync(Commands.Restore(context, store, "--scope", Commands.MainScope), runner.Environment(Builder.Classic, quick), ct);
        restored.ExpectExit(0);
        output.WriteLine(restored.Stderr);
        Assert.True(restored.Report.Restore is { Hit: true }, $"the JSON report on stdout must hold the restore: {restored}");

        var restoring = Lines(restored.Stderr);
        var start = Assert.Single(restoring, l => l.StartsWith("layercache: restoring 1 layer, ", StringComparison.Ordinal));
        Assert.EndsWith("MB…", start, StringComparison.Ordinal);
        var progress = restoring.Where(l => ProgressLine().IsMatch(l)).ToList();
        Assert.True(progress.Count >= 2, $"expected progress lines while {LayerMegabytes} MB load:\n{restored.Stderr}");
        Assert.Contains(restoring, l => RestoredLine().IsMatch(l));
        Assert.True(restoring.IndexOf(start) < restoring.IndexOf(progress[0]), "the restoring… line comes first");
        Assert.DoesNotContain("restoring", restored.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", restored.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_progress_interval_is_one_usage_line()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var temp = new TempDirectory();
        var run = await Cli.RunAsync(
            Commands.Restore(temp.Path, temp.Combine("store")),
            new Dictionary<string, string?> { ["LAYERCACHE_PROGRESS_INTERVAL"] = "soon", ["DOCKER_HOST"] = "unix:///nonexistent.sock" },
            timeout.Token);
        run.ExpectExit(2);
        Assert.Equal("layercache: invalid LAYERCACHE_PROGRESS_INTERVAL \"soon\": expected seconds between progress lines, e.g. 5 or 0.5" + Environment.NewLine, run.Stderr);
    }

    private static List<string> Lines(string text) => [.. text.Split('\n').Select(l => l.TrimEnd('\r'))];

    [GeneratedRegex(@"^layercache: restoring: [\d.]+ [kMG]?B of [\d.]+ MB \(\d+%\), layer 1 of 1, [\d.]+ [kMG]?B/s, \S+ left$")]
    private static partial Regex ProgressLine();

    [GeneratedRegex(@"^layercache: restored [\d.]+ MB, 1 layer in [\d.]+s")]
    private static partial Regex RestoredLine();

    [GeneratedRegex(@"^layercache: saving \d+ layers…$")]
    private static partial Regex SaveStartLine();

    [GeneratedRegex(@"^layercache: saving: [\d.]+ [kMG]?B, layer \d of \d, [\d.]+ [kMG]?B/s$")]
    private static partial Regex SavingLine();

    [GeneratedRegex(@"^layercache: saved [\d.]+ MB, \d+ layers? in [\d.]+s")]
    private static partial Regex SavedLine();
}
