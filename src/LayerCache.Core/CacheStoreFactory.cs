using LayerCache.Store;

namespace LayerCache.Core;

/// <summary>
/// The one place a <see cref="StoreLocation"/> becomes an <see cref="ICacheStore"/>: workflows and
/// maintenance commands open their store here, once, and from then on see only the store interfaces.
/// </summary>
public static class CacheStoreFactory
{
    /// <summary>
    /// Opens the store at <paramref name="location"/>. With <paramref name="create"/> (a writer) a missing
    /// directory store is created and a damaged one rebuilt (<see cref="OpenedStore.RebuiltBecause"/>);
    /// without it (a reader), a store that does not exist yet is null.
    /// </summary>
    /// <exception cref="StoreException">The store exists but cannot be used (classified by <see cref="StoreErrors.Classify"/>).</exception>
    /// <exception cref="InvalidInputException">The kind of store is not available in this version.</exception>
    public static async Task<OpenedStore?> OpenAsync(StoreLocation location, bool create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        switch (location.Kind)
        {
            case StoreKind.Directory:
                if (!create && !Directory.Exists(location.Directory))
                {
                    return null;
                }

                var store = await FileSystemCacheStore.OpenAsync(location.Directory, new FileSystemCacheStoreOptions { Heal = create }, cancellationToken);
                return new OpenedStore(store, store.RebuiltBecause);

            case StoreKind.Registry:
                throw NotAvailable(location);

            default:
                throw new ArgumentOutOfRangeException(nameof(location), location.Kind, "unknown store kind");
        }
    }

    /// <summary>
    /// <paramref name="location"/> when this version can open its kind of store; else the one-line bad-input
    /// error <see cref="OpenAsync"/> would raise, early, before a run does any work.
    /// </summary>
    /// <exception cref="InvalidInputException">The kind of store is not available in this version.</exception>
    public static StoreLocation RequireAvailable(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Kind == StoreKind.Registry ? throw NotAvailable(location) : location;
    }

    /// <summary>True when the store at <paramref name="location"/> may exist (a directory that is there; any registry), so "no cache yet" can be told from "unusable".</summary>
    public static bool MayExist(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Kind != StoreKind.Directory || Directory.Exists(location.Directory);
    }

    // Until the registry store lands: the address parses and validates, the store does not open.
    private static InvalidInputException NotAvailable(StoreLocation location) =>
        new($"cache store {location}: registry stores are not available yet in this version; use dir:PATH");
}
