namespace LayerCache.Store;

/// <summary>Optional: retention and garbage collection (<see cref="StoreCapabilities.Prune"/>).</summary>
public interface IPrunableCacheStore : ICacheStore
{
    /// <summary>
    /// Drops the entries the policy does not keep (and broken entries: an unreadable entry, or a
    /// manifest, config or layer gone missing, which could never be restored again), then deletes what
    /// no remaining entry references, as far as the store allows. It waits for write sessions to end,
    /// so do not call it while holding one.
    /// </summary>
    Task<PruneReport> PruneAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken);
}
