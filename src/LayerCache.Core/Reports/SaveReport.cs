namespace LayerCache.Core.Reports;

/// <summary>What a save wrote, what it could skip, and what retention removed.</summary>
public sealed record SaveReport
{
    /// <summary>True when an entry was written.</summary>
    public bool Saved { get; init; }

    /// <summary>Why nothing was saved, if so.</summary>
    public string? SkippedReason { get; init; }

    /// <summary>The written entry's name.</summary>
    public string? Entry { get; init; }

    /// <summary>Stage images exported from the engine.</summary>
    public int StagesExported { get; init; }

    /// <summary>Stage images the store already had (same image id): nothing exported.</summary>
    public int StagesReused { get; init; }

    /// <summary>Stage images the engine pushed to the store through the bridge (sending only new layers) instead of exporting them.</summary>
    public int StagesPushed { get; init; }

    /// <summary>Layers written to the store.</summary>
    public int LayersWritten { get; init; }

    /// <summary>Layers the store already had.</summary>
    public int LayersSkipped { get; init; }

    /// <summary>Bytes written to the store (layers, configs, manifests).</summary>
    public long BytesWritten { get; init; }

    /// <summary>Of <see cref="BytesWritten"/>, the bytes of new layers (the rest is image configs and manifests).</summary>
    public long LayerBytesWritten { get; init; }

    /// <summary>Bytes the engine exported (read and hashed).</summary>
    public long BytesExported { get; init; }

    /// <summary>Wall time of the save.</summary>
    public double Seconds { get; init; }

    /// <summary>Entries removed by retention.</summary>
    public int EntriesPruned { get; init; }

    /// <summary>Bytes freed by retention and GC.</summary>
    public long BytesPruned { get; init; }

    /// <summary>Bytes the store holds after the save.</summary>
    public long StoreBytes { get; init; }
}
