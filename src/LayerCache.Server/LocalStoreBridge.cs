using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Server;

/// <summary>
/// The in-process bridge over a directory store of plain-tar layers: the registry server over the
/// opened store, on a free loopback port, with a random token, in-memory repositories and the layer
/// guard. No GC and no store lock: the run that started it holds the store's write session itself and
/// prunes after stopping it.
/// </summary>
public sealed class LocalStoreBridge : IStoreBridge
{
    /// <summary>The repository name inside the bridge.</summary>
    public const string RepositoryName = "layercache/bridge";

    private readonly MemoryRepositoryReferences _repositories;
    private readonly ConcurrentDictionary<Digest, byte> _guarded;
    private readonly RunningServer _server;
    private volatile ContentVerificationException? _failure;

    private LocalStoreBridge(RunningServer server, MemoryRepositoryReferences repositories, ConcurrentDictionary<Digest, byte> guarded, string token, IBlobStore blobs)
    {
        _server = server;
        _repositories = repositories;
        _guarded = guarded;
        Token = token;
        Pushed = blobs;
        Repository = $"{server.Address.Authority}/{RepositoryName}";
    }

    /// <inheritdoc/>
    public string Repository { get; }

    /// <inheritdoc/>
    public string Token { get; }

    /// <inheritdoc/>
    public IBlobStore Pushed { get; }

    /// <inheritdoc/>
    public ContentVerificationException? ContentFailure => _failure;

    /// <summary>Starts a bridge over <paramref name="store"/> on 127.0.0.1 and a free port.</summary>
    public static async Task<LocalStoreBridge> StartAsync(FileSystemCacheStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var repositories = new MemoryRepositoryReferences();
        var guarded = new ConcurrentDictionary<Digest, byte>();
        LocalStoreBridge? bridge = null;
        var guard = new LayerGuard(guarded.ContainsKey, failure => bridge!._failure = failure);
        var (token, server) = await StartServerAsync(store, repositories, guard, null, cancellationToken);
        bridge = new LocalStoreBridge(server, repositories, guarded, token, store.Blobs);
        return bridge;
    }

    /// <summary>
    /// The bridge's server over <paramref name="store"/>: a random token allowed the bridge's
    /// repository only, loopback, a free port, no store lock (see the class remarks).
    /// </summary>
    internal static async Task<(string Token, RunningServer Server)> StartServerAsync(
        FileSystemCacheStore store, MemoryRepositoryReferences repositories, LayerGuard guard, UpstreamLayers? upstream, CancellationToken cancellationToken)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        var tokens = TokenFile.Parse($"sha256:{hash} read:{RepositoryName} write:{RepositoryName}\n", "the bridge's token");
        var options = new ServerOptions { StorePath = store.DirectoryPath, Listen = "127.0.0.1:0", HoldStoreLock = false };
        return (token, await RegistryServer.StartAsync(store, options, tokens, null, repositories, guard, upstream, cancellationToken));
    }

    /// <summary>
    /// Makes <paramref name="manifest"/> (a blob of the store) pullable by digest from <see cref="Repository"/>;
    /// <paramref name="layers"/> are served only through <see cref="LayerContentGuardStream"/>.
    /// </summary>
    public Task ExposeAsync(Descriptor manifest, IReadOnlyCollection<Digest> layers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers)
        {
            _guarded.TryAdd(layer, 0);
        }

        return _repositories.AddManifestAsync(RepositoryName, manifest, null, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>The manifest and its config are the store's own blobs, served as they are.</remarks>
    public async Task<Digest> ExposeAsync(SerializedDocument manifest, ReadOnlyMemory<byte> config, IReadOnlyList<LayerRecord> layers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(layers);
        await ExposeAsync(manifest.ToDescriptor(), [.. layers.Select(l => l.Stored.Digest)], cancellationToken);
        return manifest.Digest;
    }

    /// <inheritdoc/>
    /// <remarks>Nothing to do: the store names its plain-tar layers by their DiffIds already.</remarks>
    public void Offer(IEnumerable<LayerRecord> layers)
    {
    }

    /// <inheritdoc/>
    public Task<Descriptor?> ResolveTagAsync(string tag, CancellationToken cancellationToken) =>
        _repositories.ResolveTagAsync(RepositoryName, tag, cancellationToken);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
