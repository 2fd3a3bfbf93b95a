using LayerCache.Store;

namespace LayerCache.Core;

/// <summary>A store opened by <see cref="CacheStoreFactory"/>, with what the opening had to repair.</summary>
/// <param name="Store">The store.</param>
/// <param name="RebuiltBecause">Why the store was unusable and rebuilt empty when it was opened for writing, or null.</param>
public sealed record OpenedStore(ICacheStore Store, string? RebuiltBecause);
