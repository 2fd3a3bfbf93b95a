using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>
/// The registry store's write session: it holds nothing. The directory store's session keeps its own
/// prune from collecting blobs a writer has not yet referenced; a registry store never deletes blobs
/// (only entry manifests), and the registry's own garbage collector is run by its operator, offline or
/// with its own grace period, so there is nothing a lock here could protect, and a lock in a shared
/// registry would only let one crashed CI job block every other. What it does hold is the blob store's
/// memory of present blobs (<see cref="RegistryBlobStore.Remembering"/>): a writer asks of each once.
/// </summary>
internal sealed class RegistryWriteSession(ICacheStore store, IDisposable remembering) : IStoreWriteSession
{
    /// <inheritdoc/>
    public ICacheStore Store => store;

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        remembering.Dispose();
        return ValueTask.CompletedTask;
    }
}
