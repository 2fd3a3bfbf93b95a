using System.Collections.Concurrent;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Server;

/// <summary>
/// The bridge over any store that does not keep plain tars in a directory (a registry, a store of gzip
/// layers): the engine is given manifests made for it (<see cref="BridgeManifest.Inflated"/>) whose
/// layers are plain tars named by their DiffIds, and each such layer is read from the store as it is
/// stored and inflated on its way out, through the same checks as a load (stored digest, gzip CRC, the
/// layer guard, the inflation bound, the DiffId before the last byte). Manifests, configs and whatever
/// the engine pushes live in a private spool directory, removed when the bridge stops; the save adopts
/// what the engine pushed from <see cref="Pushed"/>.
/// </summary>
public sealed class InflatingStoreBridge : IStoreBridge
{
    private readonly MemoryRepositoryReferences _repositories;
    private readonly ConcurrentDictionary<Digest, LayerRecord> _layers;
    private readonly FileSystemCacheStore _spool;
    private readonly string _spoolDirectory;
    private readonly RunningServer _server;
    private volatile ContentVerificationException? _failure;

    private InflatingStoreBridge(RunningServer server, MemoryRepositoryReferences repositories, ConcurrentDictionary<Digest, LayerRecord> layers, string token, FileSystemCacheStore spool, string spoolDirectory)
    {
        _server = server;
        _repositories = repositories;
        _layers = layers;
        _spool = spool;
        _spoolDirectory = spoolDirectory;
        Token = token;
        Repository = $"{server.Address.Authority}/{LocalStoreBridge.RepositoryName}";
    }

    /// <inheritdoc/>
    public string Repository { get; }

    /// <inheritdoc/>
    public string Token { get; }

    /// <inheritdoc/>
    public IBlobStore Pushed => _spool.Blobs;

    /// <inheritdoc/>
    public ContentVerificationException? ContentFailure => _failure;

    /// <summary>The private spool directory (removed when the bridge stops).</summary>
    internal string SpoolDirectory => _spoolDirectory;

    /// <summary>Starts a bridge over <paramref name="store"/> on 127.0.0.1 and a free port, with a new spool directory.</summary>
    public static async Task<InflatingStoreBridge> StartAsync(ICacheStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);

        // Private (0700): what the engine pushes, and the manifests it is given, are nobody else's to change.
        var directory = Directory.CreateTempSubdirectory("layercache-bridge-").FullName;
        try
        {
            var spool = await FileSystemCacheStore.OpenAsync(Path.Combine(directory, "spool"), new FileSystemCacheStoreOptions(), cancellationToken);
            var repositories = new MemoryRepositoryReferences();
            var layers = new ConcurrentDictionary<Digest, LayerRecord>();
            InflatingStoreBridge? bridge = null;
            var guard = new LayerGuard(_ => false, failure => bridge!._failure = failure);
            var upstream = new UpstreamLayers(
                digest => layers.TryGetValue(digest, out var layer) ? layer.TarSize : null,
                (digest, token) => OpenLayerAsync(store, layers[digest], token));
            var (token, server) = await LocalStoreBridge.StartServerAsync(spool, repositories, guard, upstream, cancellationToken);
            bridge = new InflatingStoreBridge(server, repositories, layers, token, spool, directory);
            return bridge;
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>The engine is given a manifest made for it (<see cref="BridgeManifest.Inflated"/>), kept in the spool with the config.</remarks>
    public async Task<Digest> ExposeAsync(SerializedDocument manifest, ReadOnlyMemory<byte> config, IReadOnlyList<LayerRecord> layers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(layers);
        var stored = OciJson.DeserializeManifest(manifest.Content.ToArray(), manifest.Digest.Value);
        var served = BridgeManifest.Inflated(stored, layers, out var reason) ?? throw new ArgumentException($"manifest {manifest.Digest}: {reason}", nameof(layers));
        await _spool.Blobs.WriteAsync(new MemoryStream(config.ToArray(), writable: false), stored.Config.Digest, stored.Config.Size, cancellationToken);
        await _spool.Blobs.WriteAsync(served, cancellationToken);
        Offer(layers);
        await _repositories.AddManifestAsync(LocalStoreBridge.RepositoryName, served.ToDescriptor(), null, cancellationToken);
        return served.Digest;
    }

    /// <inheritdoc/>
    public void Offer(IEnumerable<LayerRecord> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers)
        {
            // Only what can be served as a plain tar of a known size; the first record of a DiffId stays.
            if (BridgeManifest.WhyNotServable(layer) is null)
            {
                _layers.TryAdd(layer.DiffId.Digest, layer);
            }
        }
    }

    /// <inheritdoc/>
    public Task<Descriptor?> ResolveTagAsync(string tag, CancellationToken cancellationToken) =>
        _repositories.ResolveTagAsync(LocalStoreBridge.RepositoryName, tag, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _server.DisposeAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(_spoolDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A temp directory left behind is the system's to clean; the run's result does not depend on it.
            }
        }
    }

    /// <summary>The plain tar of a stored layer: guarded as it is, or inflated (and so guarded) when stored gzip.</summary>
    private static async Task<Stream> OpenLayerAsync(ICacheStore store, LayerRecord layer, CancellationToken cancellationToken)
    {
        var source = "blob " + layer.Stored.Digest;
        var content = await store.Blobs.OpenReadAsync(layer.Stored.Digest, cancellationToken);
        var verified = new VerifyingStream(content, layer.Stored.Digest, layer.Stored.Size, source);
        return layer.IsUncompressed
            ? new LayerContentGuardStream(verified, layer.Stored.Digest, source)
            : new InflatedLayerStream(verified, layer.Stored.Digest, layer.DiffId, InflatedLayerStream.BoundFor(layer.Stored.Size), source);
    }
}
