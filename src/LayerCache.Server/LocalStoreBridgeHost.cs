using LayerCache.Store;

namespace LayerCache.Server;

/// <summary>Starts <see cref="LocalStoreBridge"/>s for the workflows (the CLI hands one to them).</summary>
public sealed class LocalStoreBridgeHost : IStoreBridgeHost
{
    /// <inheritdoc/>
    public async Task<IStoreBridge> StartAsync(FileSystemCacheStore store, CancellationToken cancellationToken) =>
        await LocalStoreBridge.StartAsync(store, cancellationToken);
}
