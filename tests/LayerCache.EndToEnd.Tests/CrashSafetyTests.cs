using System.Diagnostics;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: <c>kill -9</c> of <c>layercache save</c> at 20+ random moments → the store verifies clean
/// and the next restore hits or misses, never errors. And: two saves into one store at once → both
/// entries present, store verifies.
/// </summary>
[Collection(EngineCollections.A)]
public sealed class CrashSafetyTests(BuiltRunnerFixture fixture, ITestOutputHelper output) : IClassFixture<BuiltRunnerFixture>
{
    private const int Kills = 20;

    [Fact]
    public async Task Kill_9_of_save_at_random_moments_leaves_a_store_that_verifies_and_restores_without_error()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var env = fixture.Runner.Environment(Builder.Classic);
        const string scope = "acme/shop/kill";

        // A first save builds whatever stage images the fixture's build left out; the second, into
        // another empty store, is the one a kill must interrupt: its duration bounds the moments.
        (await Cli.RunChildAsync(Commands.Save(fixture.App.Directory, temp.Combine("warm-up"), "--scope", scope), env, ct)).ExpectExit(0);
        var measured = await TimedChild.RunAsync(Commands.Save(fixture.App.Directory, temp.Combine("measure"), "--scope", scope), env, ct);
        Assert.True(measured.ExitCode == 0, "the measuring save failed:\n" + string.Join('\n', measured.Lines.Select(l => l.Line)));
        var total = measured.Duration;
        output.WriteLine($"a full save into an empty store takes {total.TotalSeconds:0.00}s");

        // Moments spread over the whole save, half of them in its second half, where blobs, the entry,
        // the index and the summary are written. A save that finishes first is not a kill: keep going.
        var random = new Random();
        var kills = 0;
        var attempt = 0;
        var store = temp.Combine("store-0");

        // How long a save takes, into an empty store and into what a kill left: learned from every
        // save that finished before its moment, so that a loaded machine (slow measurement) or a
        // quick continuation does not make most moments fall after the end.
        var emptyTotal = total;
        var continuedTotal = total;
        while (kills < Kills && attempt < Kills * 4)
        {
            // Every third attempt starts from an empty store; the others continue on what the last kill left.
            var fresh = attempt % 3 == 0;
            if (fresh)
            {
                store = temp.Combine($"store-{attempt}");
                Directory.CreateDirectory(store);
            }

            attempt++;
            var span = fresh ? emptyTotal : continuedTotal;
            var fraction = attempt % 2 == 0 ? random.NextDouble() : 0.5 + (random.NextDouble() / 2);
            var moment = span * fraction;
            var (killed, elapsed) = await SaveAndKillAsync(Commands.Save(fixture.App.Directory, store, "--scope", scope), env, moment, ct);
            kills += killed ? 1 : 0;
            if (!killed && fresh)
            {
                emptyTotal = elapsed;
            }
            else if (!killed)
            {
                continuedTotal = elapsed;
            }

            var verify = await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct);
            Assert.True(verify.ExitCode == 0, $"after a kill at {moment.TotalSeconds:0.00}s (attempt {attempt}): {verify}");
            var entries = (await Cli.RunAsync(Commands.List(store), new Dictionary<string, string?>(), ct)).ExpectExit(0).Parse<Core.Reports.StoreListing>().Entries;

            var restore = await fixture.Runner.LayercacheAsync(Builder.Classic, Commands.Restore(fixture.App.Directory, store, "--scope", scope), ct);
            Assert.True(restore.ExitCode == 0, $"after a kill at {moment.TotalSeconds:0.00}s (attempt {attempt}): {restore}");
            Assert.True(restore.Report.Warnings.Count == 0, $"after a kill at {moment.TotalSeconds:0.00}s (attempt {attempt}) the restore warned: {restore}");
            Assert.True(restore.Report.Restore!.Hit == entries.Any(e => e.Scope == scope), $"after a kill at {moment.TotalSeconds:0.00}s (attempt {attempt}), {entries.Count} entr(ies) listed: {restore}");
            output.WriteLine($"attempt {attempt} ({(fresh ? "empty store" : "continued")}): {(killed ? "killed at" : $"finished in {elapsed.TotalSeconds:0.00}s, before")} {moment.TotalSeconds:0.00}s; {entries.Count} entr(ies); restore {(restore.Report.Restore.Hit ? "hit" : "missed")}");
        }

        Assert.True(kills >= Kills, $"only {kills} save(s) were killed before they finished");

        // The store the last kill left is still a good store: a save completes, and the next restore hits.
        var final = await fixture.Runner.LayercacheAsync(Builder.Classic, Commands.Save(fixture.App.Directory, store, "--scope", scope), ct);
        final.ExpectExit(0);
        Assert.Empty(final.Report.Warnings);
        (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
        var hit = await fixture.Runner.LayercacheAsync(Builder.Classic, Commands.Restore(fixture.App.Directory, store, "--scope", scope), ct);
        hit.ExpectExit(0);
        Assert.True(hit.Report.Restore!.Hit, $"after a completed save the restore must hit: {hit}");
    }

    [Fact]
    public async Task Two_saves_into_one_store_at_once_keep_both_entries_and_the_store_verifies()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        var env = fixture.Runner.Environment(Builder.Classic);

        var saves = await Task.WhenAll(
            Cli.RunChildAsync(Commands.Save(fixture.App.Directory, store, "--scope", "acme/shop/a"), env, ct),
            Cli.RunChildAsync(Commands.Save(fixture.App.Directory, store, "--scope", "acme/shop/b"), env, ct));
        foreach (var save in saves)
        {
            save.ExpectExit(0);
            Assert.True(save.Report.Save is { Saved: true }, $"both saves must write their entry: {save}");
            Assert.Empty(save.Report.Warnings);
        }

        var listing = (await Cli.RunAsync(Commands.List(store), new Dictionary<string, string?>(), ct)).ExpectExit(0).Parse<Core.Reports.StoreListing>();
        Assert.Equal(["acme/shop/a", "acme/shop/b"], listing.Entries.Select(e => e.Scope).Order(StringComparer.Ordinal));
        Assert.All(listing.Entries, e => Assert.Equal(ExampleApp.ClassicStages.Order(StringComparer.Ordinal), e.Stages.Order(StringComparer.Ordinal)));
        Assert.Equal(saves.Select(s => s.Report.Save!.Entry).Order(StringComparer.Ordinal), listing.Entries.Select(e => e.Entry).Order(StringComparer.Ordinal));
        (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);

        foreach (var scope in new[] { "acme/shop/a", "acme/shop/b" })
        {
            var restore = await fixture.Runner.LayercacheAsync(Builder.Classic, Commands.Restore(fixture.App.Directory, store, "--scope", scope, "--fallback-scope", "none/none"), ct);
            restore.ExpectExit(0);
            Assert.True(restore.Report.Restore is { Hit: true } r && r.EntryScope == scope, $"scope {scope} must restore its own entry: {restore}");
        }
    }

    /// <summary>
    /// Starts a save and SIGKILLs it (only it, as <c>kill -9 PID</c> would) at <paramref name="moment"/>:
    /// whether it was killed, and how long it ran.
    /// </summary>
    private static async Task<(bool Killed, TimeSpan Elapsed)> SaveAndKillAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> env, TimeSpan moment, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var process = Cli.Start(args, env);
        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(ct), process.StandardError.ReadToEndAsync(ct));
        var exited = process.WaitForExitAsync(ct);
        var remaining = moment - clock.Elapsed;
        if (remaining > TimeSpan.Zero)
        {
            await Task.WhenAny(exited, Task.Delay(remaining, ct));
        }

        var killed = false;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: false);
            killed = true;
        }

        await exited;
        var elapsed = clock.Elapsed;
        await drain;
        return (killed && process.ExitCode != 0, elapsed);
    }
}
