using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>
/// The registry store's write session: it holds nothing. The directory store's session keeps its own
/// prune from collecting blobs a writer has not yet referenced; a registry store never deletes blobs
/// (only entry manifests), and the registry's own garbage collector is run by its operator, offline or
/// with its own grace period, so there is nothing a lock here could protect, and a lock in a shared
/// registry would only let one crashed CI job block every other.
/// </summary>
internal sealed class RegistryWriteSession(ICacheStore store) : IStoreWriteSession
{
    /// <inheritdoc/>
    public ICacheStore Store => store;

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
