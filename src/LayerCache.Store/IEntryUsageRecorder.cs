using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Optional: records when an entry was last restored (<see cref="StoreCapabilities.RecordUsage"/>), for
/// retention by last use. A store without it ages entries by <see cref="CacheEntry.Created"/>.
/// </summary>
public interface IEntryUsageRecorder : ICacheStore
{
    /// <summary>Records that an entry was restored at <paramref name="usedAt"/> (never moves back in time); false when the entry is gone.</summary>
    Task<bool> MarkUsedAsync(Digest entryId, DateTimeOffset usedAt, CancellationToken cancellationToken);
}
