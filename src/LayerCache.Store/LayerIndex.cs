using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// DiffId → stored layer, so a save finds a layer the store has whatever its compression: from the
/// stage records of the entries (<see cref="StageImage.Layers"/>) and from layers written during the
/// save; and, where the store keeps layers uncompressed, from the blob named by the DiffId itself.
/// A record counts only while its stored blob is present (a blob may have been collected or healed away),
/// asked once per blob: a save holds the store's write session, so a blob found present stays so for its
/// length (a registry answers each question with a round trip, and a save asks of every layer several times).
/// </summary>
public sealed class LayerIndex
{
    private readonly Dictionary<DiffId, LayerRecord> _known = [];
    private readonly Dictionary<Digest, long> _present = [];
    private readonly IBlobStatter _blobs;
    private readonly BlobPolicy _policy;

    /// <summary>An index over <paramref name="blobs"/>, kept as <paramref name="policy"/> says.</summary>
    public LayerIndex(IBlobStatter blobs, BlobPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(policy);
        _blobs = blobs;
        _policy = policy;
    }

    /// <summary>An index of the store's blobs that knows the layers of <paramref name="entries"/>.</summary>
    public static LayerIndex For(ICacheStore store, IEnumerable<CacheEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(entries);
        var index = new LayerIndex(store.Blobs, store.Policy);
        foreach (var layer in entries.SelectMany(e => e.Stages).SelectMany(s => s.Layers))
        {
            index.Add(layer);
        }

        return index;
    }

    /// <summary>Records a layer (the first record of a DiffId is kept: the one entries already reference).</summary>
    public void Add(LayerRecord layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        _known.TryAdd(layer.DiffId, layer);
    }

    /// <summary>The stored layer with this DiffId when its blob is present, else null.</summary>
    public async Task<LayerRecord?> FindAsync(DiffId diffId, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(diffId, out var known) && await SizeOfAsync(known.Stored.Digest, cancellationToken) == known.Stored.Size)
        {
            return known;
        }

        // Uncompressed stores name a layer by its DiffId, whoever wrote it.
        if (_policy.LayerCompression == LayerCompression.None && await SizeOfAsync(diffId.Digest, cancellationToken) is { } plain)
        {
            return new LayerRecord(diffId, new Descriptor { MediaType = MediaType.OciLayer, Digest = diffId.Digest, Size = plain });
        }

        return null;
    }

    /// <summary>The size of a present blob (asked of the store once, then remembered), or null when it is absent.</summary>
    private async Task<long?> SizeOfAsync(Digest digest, CancellationToken cancellationToken)
    {
        lock (_present)
        {
            if (_present.TryGetValue(digest, out var known))
            {
                return known;
            }
        }

        if (await _blobs.StatAsync(digest, cancellationToken) is not { } stat)
        {
            return null;
        }

        lock (_present)
        {
            _present[digest] = stat.Size;
        }

        return stat.Size;
    }
}
