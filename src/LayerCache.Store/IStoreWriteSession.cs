namespace LayerCache.Store;

/// <summary>
/// A writer's claim on a store from its first blob to its entry's publication
/// (<see cref="ICacheStore.BeginWriteAsync"/>): while it is open, no prune in any process collects the
/// blobs this writer has written but not yet referenced. The directory store implements it with a
/// shared file lock that a prune takes exclusively; a registry store with whatever its GC allows
/// (its GC never deletes recent unreferenced blobs, or it does not collect at all). Disposing ends it.
/// </summary>
public interface IStoreWriteSession : IAsyncDisposable
{
    /// <summary>The store the session writes to.</summary>
    ICacheStore Store { get; }
}
