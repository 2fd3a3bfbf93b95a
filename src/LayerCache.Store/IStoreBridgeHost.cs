namespace LayerCache.Store;

/// <summary>Starts <see cref="IStoreBridge"/>s (implemented by the server, which the CLI carries and the workflows do not).</summary>
public interface IStoreBridgeHost
{
    /// <summary>Serves <paramref name="store"/> on a free loopback port until the returned bridge is disposed.</summary>
    Task<IStoreBridge> StartAsync(FileSystemCacheStore store, CancellationToken cancellationToken);
}
