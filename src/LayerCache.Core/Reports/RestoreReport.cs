namespace LayerCache.Core.Reports;

/// <summary>What a restore did: which entry it chose (or why none), what it loaded, how long it took.</summary>
public sealed record RestoreReport
{
    /// <summary>True when an entry was loaded into the engine.</summary>
    public bool Hit { get; init; }

    /// <summary>The restored entry's name in the store, if any.</summary>
    public string? Entry { get; init; }

    /// <summary>The scope the restored entry belongs to (the own scope, or a fallback).</summary>
    public string? EntryScope { get; init; }

    /// <summary>When the restored entry was created.</summary>
    public DateTimeOffset? EntryCreated { get; init; }

    /// <summary>Why entries were passed over, or why nothing was restored; one line each.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>The stage images loaded.</summary>
    public IReadOnlyList<RestoredStage> Stages { get; init; } = [];

    /// <summary>Bytes of layers sent to the engine.</summary>
    public long BytesLoaded { get; init; }

    /// <summary>Layers sent to the engine.</summary>
    public int LayersLoaded { get; init; }

    /// <summary>Layers not sent because the engine already had them.</summary>
    public int LayersSkipped { get; init; }

    /// <summary>Wall time of the restore.</summary>
    public double Seconds { get; init; }

    /// <summary>The images a build should pass as <c>--cache-from</c>.</summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = [];

    /// <summary>How the stage images reached the engine on a hit: <c>pull</c> (through the bridge) or <c>load</c> (an archive); null on a miss.</summary>
    public string? Transport { get; init; }
}
