namespace LayerCache.Store;

/// <summary>The directory store's write session: a shared lock on the GC lock file, which a prune takes exclusively.</summary>
internal sealed class FileLockWriteSession(ICacheStore store, FileLock gcLock) : IStoreWriteSession
{
    /// <inheritdoc/>
    public ICacheStore Store => store;

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => gcLock.DisposeAsync();
}
