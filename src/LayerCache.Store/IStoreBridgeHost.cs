namespace LayerCache.Store;

/// <summary>Starts <see cref="IStoreBridge"/>s (implemented by the server, which the CLI carries and the workflows do not).</summary>
public interface IStoreBridgeHost
{
    /// <summary>
    /// True when a bridge over <paramref name="store"/> serves layers inflated, by DiffId, under manifests
    /// made by <see cref="BridgeManifest.Inflated"/>: every store but a directory of plain-tar layers,
    /// whose own blobs and manifests the engine is served as they are.
    /// </summary>
    bool Inflates(ICacheStore store);

    /// <summary>Serves <paramref name="store"/> on a free loopback port until the returned bridge is disposed.</summary>
    Task<IStoreBridge> StartAsync(ICacheStore store, CancellationToken cancellationToken);
}
