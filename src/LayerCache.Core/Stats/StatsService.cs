using LayerCache.Store;

namespace LayerCache.Core.Stats;

/// <summary><c>layercache stats</c>: reads a store's run history and sums it up.</summary>
public static class StatsService
{
    /// <summary>The statistics of <paramref name="store"/>'s history, for one scope (or all) since a time (or ever).</summary>
    /// <exception cref="InvalidInputException">The history exists but cannot be read (a damaged store).</exception>
    public static async Task<StatsReport> ReadAsync(StoreLocation store, string? scope, TimeSpan? since, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clock);
        var from = since is { } age ? clock.GetUtcNow() - age : (DateTimeOffset?)null;
        if (RunHistories.For(store) is not { } history)
        {
            return Summarize(store.ToString(), false, new RunHistoryContent([], 0), scope, from);
        }

        RunHistoryContent content;
        try
        {
            content = await history.ReadAsync(cancellationToken);
        }
        catch (StoreException e)
        {
            throw new InvalidInputException($"cache store {store}: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        return Summarize(store.ToString(), true, content, scope, from);
    }

    /// <summary>The report of a history's content: filtered by scope and time, sorted by time (the writers' clocks: for order only).</summary>
    /// <param name="store">The store, as reports name it.</param>
    /// <param name="kept">Whether the store keeps a history.</param>
    /// <param name="content">The history's records.</param>
    /// <param name="scope">Only this scope, or null.</param>
    /// <param name="from">Only runs recorded at or after this time, or null.</param>
    public static StatsReport Summarize(string store, bool kept, RunHistoryContent content, string? scope, DateTimeOffset? from)
    {
        var runs = content.Records
            .Where(r => scope is null || string.Equals(r.Scope, scope, StringComparison.Ordinal))
            .Where(r => from is null || r.Time >= from)
            .Select((r, i) => (Run: ToRun(r), Order: i))
            .OrderBy(p => p.Run.Time)
            .ThenBy(p => p.Order)
            .Select(p => p.Run)
            .ToList();
        return new StatsReport
        {
            Store = store,
            HistoryKept = kept,
            Scope = scope,
            Since = from,
            Totals = StatsTotals.Of(runs),
            Images = runs
                .GroupBy(r => (r.Scope, r.Image))
                .Select(g => new ImageStats(g.Key.Scope, g.Key.Image, StatsTotals.Of(g)))
                .OrderByDescending(i => i.Totals.Runs).ThenBy(i => i.Scope, StringComparer.Ordinal).ThenBy(i => i.Image, StringComparer.Ordinal)
                .ToList(),
            MissReasons = runs
                .Where(r => r.Hit is false)
                .GroupBy(r => r.MissReason ?? "no usable entry", StringComparer.Ordinal)
                .Select(g => new MissReasonCount(g.Key, g.Count()))
                .OrderByDescending(m => m.Count).ThenBy(m => m.Reason, StringComparer.Ordinal)
                .ToList(),
            Runs = runs,
            InvalidLines = content.InvalidLines,
        };
    }

    private static StatsRun ToRun(RunRecord r) => new(
        r.Time, r.Command, r.Scope, r.Image, r.Builder, r.Hit, r.MissReason, r.StepsCached, r.StepsExecuted,
        r.SecondsSaved, r.Seconds, r.BytesLoaded, r.BytesWritten, r.Saved, r.ExitCode);
}
