using LayerCache.Core.Reports;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// The store of CI run 1, shared by the tests that start from a warm cache: a fresh runner builds the
/// example cold with <c>layercache build</c> (classic builder, scope <see cref="Commands.MainScope"/>)
/// into a store that tests copy and never touch. Built once per test process, on first use.
/// Callers must hold no <see cref="Runner"/> while they wait for it (it needs an engine slot of its own).
/// </summary>
internal static class SeedStore
{
    private static readonly Lazy<Task<Seed>> Classic = new(BuildAsync);

    /// <summary>Copies the seed store to <paramref name="destination"/> and returns the cold run's report.</summary>
    public static async Task<RunReport> CopyClassicAsync(string destination)
    {
        var seed = await Classic.Value;
        ExampleApp.Copy(seed.Store, destination);
        return seed.ColdRun;
    }

    private static async Task<Seed> BuildAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var root = Path.Combine("/tmp", $"lc-e2e-seed-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        };

        var app = ExampleApp.CopyTo(Path.Combine(root, "app"));
        var store = Path.Combine(root, "store");
        await using var runner = await Runner.StartAsync(timeout.Token);
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "seed:latest"), timeout.Token);
        run.ExpectExit(0);
        var report = run.Report;
        if (report.Save is not { Saved: true } || report.Build is not { StepsExecuted: > 0 })
        {
            throw new InvalidOperationException($"the seed store's cold build did not build and save: {run}");
        }

        return new Seed(store, report);
    }

    private sealed record Seed(string Store, RunReport ColdRun);
}
