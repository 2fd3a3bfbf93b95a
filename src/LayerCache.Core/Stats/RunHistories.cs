using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Stats;

/// <summary>
/// The run history of a store, if it keeps one: a directory store keeps <see cref="FileRunHistory"/>
/// in its root. A store that does not exist yet has none (nothing is created for a history alone);
/// other kinds of store would return null here, and <c>stats</c> then says the store keeps no history.
/// </summary>
public static class RunHistories
{
    /// <summary>The history of <paramref name="store"/>, or null when it keeps none.</summary>
    public static IRunHistory? For(StoreLocation store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.Kind != StoreKind.Directory)
        {
            // A registry store keeps no run history (the runs are the CI's).
            return null;
        }

        return UntrustedFile.GetKind(store.Directory) == FileKind.Directory ? new FileRunHistory(store.Directory) : null;
    }
}
