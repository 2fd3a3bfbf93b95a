namespace LayerCache.Core.Stats;

/// <summary>Sums over runs: restores that hit or missed, steps the builder took from its cache, seconds saved, bytes moved.</summary>
public sealed record StatsTotals
{
    /// <summary>Runs counted (builds, restores and saves).</summary>
    public int Runs { get; init; }

    /// <summary>Runs that restored (or tried to).</summary>
    public int Restores { get; init; }

    /// <summary>Restores that loaded an entry.</summary>
    public int Hits { get; init; }

    /// <summary>Restores that found no usable entry.</summary>
    public int Misses { get; init; }

    /// <summary>Hits per restore (0 to 1), or null when no restore ran.</summary>
    public double? HitRate => Restores == 0 ? null : Math.Round((double)Hits / Restores, 4);

    /// <summary>Build steps the builder took from its cache.</summary>
    public int StepsCached { get; init; }

    /// <summary>Build steps the builder ran.</summary>
    public int StepsExecuted { get; init; }

    /// <summary>Seconds the cached steps took when they last ran (where known).</summary>
    public double SecondsSaved { get; init; }

    /// <summary>Seconds the runs took.</summary>
    public double Seconds { get; init; }

    /// <summary>Bytes of layers restores sent to the engine.</summary>
    public long BytesLoaded { get; init; }

    /// <summary>Bytes saves wrote to the store.</summary>
    public long BytesWritten { get; init; }

    /// <summary>Saves that wrote a new entry.</summary>
    public int EntriesSaved { get; init; }

    /// <summary>Runs whose build failed (a non-zero exit code).</summary>
    public int Failed { get; init; }

    /// <summary>The totals of <paramref name="runs"/>.</summary>
    public static StatsTotals Of(IEnumerable<StatsRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var list = runs.ToList();
        return new StatsTotals
        {
            Runs = list.Count,
            Restores = list.Count(r => r.Hit is not null),
            Hits = list.Count(r => r.Hit is true),
            Misses = list.Count(r => r.Hit is false),
            StepsCached = list.Sum(r => r.StepsCached),
            StepsExecuted = list.Sum(r => r.StepsExecuted),
            SecondsSaved = Math.Round(list.Sum(r => r.SecondsSaved ?? 0), 1),
            Seconds = Math.Round(list.Sum(r => r.Seconds), 1),
            BytesLoaded = list.Sum(r => r.BytesLoaded),
            BytesWritten = list.Sum(r => r.BytesWritten),
            EntriesSaved = list.Count(r => r.Saved),
            Failed = list.Count(r => r.ExitCode != 0),
        };
    }
}
