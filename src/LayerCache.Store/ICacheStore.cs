using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// The cache entries of a store and the blobs they reference. Entries are immutable once put, except
/// for their last-used time; a prune applies a <see cref="RetentionPolicy"/> and collects every blob no
/// remaining entry references. Safe for several processes at once: index updates are serialized, and a
/// prune waits for writers that hold a <see cref="BeginWriteAsync"/> session.
/// </summary>
public interface ICacheStore
{
    /// <summary>The blobs (layers, configs, manifests, entry indexes).</summary>
    IBlobStore Blobs { get; }

    /// <summary>
    /// Starts a write session: until it is disposed, a prune in any process waits rather than collect
    /// blobs that this writer has written but not yet published with <see cref="PutEntryAsync"/>.
    /// Hold one from the first blob written to the end of <see cref="PutEntryAsync"/>.
    /// </summary>
    /// <exception cref="StoreLockTimeoutException">A prune held the store for longer than the lock timeout.</exception>
    Task<IAsyncDisposable> BeginWriteAsync(CancellationToken cancellationToken);

    /// <summary>Every readable entry, newest first (by <see cref="CacheEntry.Created"/>). Broken entries are skipped (see <see cref="VerifyAsync"/>).</summary>
    Task<IReadOnlyList<CacheEntry>> ListEntriesAsync(CancellationToken cancellationToken);

    /// <summary>The readable entries of one scope (as their own blobs state it, whatever the index says), newest first.</summary>
    Task<IReadOnlyList<CacheEntry>> FindEntriesAsync(CacheScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes an entry: checks that every stage manifest and the blobs it references are present,
    /// fills in the stage details, writes the entry index blob and adds it to the store's index.
    /// Putting the same entry again is harmless. Returns the entry as stored, with its id and ref name.
    /// </summary>
    /// <exception cref="BlobNotFoundException">A stage manifest, config or layer is not in the store.</exception>
    Task<CacheEntry> PutEntryAsync(CacheEntry entry, CancellationToken cancellationToken);

    /// <summary>Records that an entry was restored at <paramref name="usedAt"/> (never moves back in time); false when the entry is gone.</summary>
    Task<bool> MarkUsedAsync(Digest entryId, DateTimeOffset usedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Records an entry's signature (see <see cref="EntrySigner"/>) beside it in the store's index; the
    /// signature is bound to the entry id, so it needs no protection of its own. False when the entry is gone.
    /// </summary>
    Task<bool> SignEntryAsync(Digest entryId, string signature, CancellationToken cancellationToken);

    /// <summary>
    /// Drops the entries the policy does not keep (and broken entries: an unreadable index blob, or a
    /// manifest, config or layer gone missing, which could never be restored again), then
    /// deletes every blob no remaining entry references and stale temporary files. It waits for write
    /// sessions to end, so do not call it while holding one (it would wait for itself until the lock timeout).
    /// </summary>
    Task<PruneReport> PruneAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Re-hashes every blob and checks that everything the index references is present and parses.
    /// Reports each bad or missing blob with the entries that reference it.
    /// </summary>
    Task<VerifyReport> VerifyAsync(CancellationToken cancellationToken);

    /// <summary>The total size of the unique blobs the given entries reference (shared layers counted once).</summary>
    Task<long> GetSizeAsync(IEnumerable<CacheEntry> entries, CancellationToken cancellationToken);
}
