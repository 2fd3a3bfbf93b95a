using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Server;

/// <summary>
/// Starts bridges for the workflows (the CLI hands one to them): a <see cref="LocalStoreBridge"/> over a
/// directory store of plain-tar layers, an <see cref="InflatingStoreBridge"/> over any other store.
/// </summary>
public sealed class LocalStoreBridgeHost : IStoreBridgeHost
{
    /// <inheritdoc/>
    public bool Inflates(ICacheStore store) =>
        store is not FileSystemCacheStore { Policy.LayerCompression: LayerCompression.None };

    /// <inheritdoc/>
    public async Task<IStoreBridge> StartAsync(ICacheStore store, CancellationToken cancellationToken) =>
        Inflates(store)
            ? await InflatingStoreBridge.StartAsync(store, cancellationToken)
            : await LocalStoreBridge.StartAsync((FileSystemCacheStore)store, cancellationToken);
}
