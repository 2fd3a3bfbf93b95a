using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Server;

/// <summary>
/// The in-process bridge: the registry server over an opened directory store, on a free loopback
/// port, with a random token, in-memory repositories and the layer guard. No GC and no store lock:
/// the run that started it holds the store's write session itself and prunes after stopping it.
/// </summary>
public sealed class LocalStoreBridge : IStoreBridge
{
    /// <summary>The repository name inside the bridge.</summary>
    public const string RepositoryName = "layercache/bridge";

    private readonly MemoryRepositoryReferences _repositories;
    private readonly ConcurrentDictionary<Digest, byte> _guarded;
    private readonly RunningServer _server;
    private volatile ContentVerificationException? _failure;

    private LocalStoreBridge(RunningServer server, MemoryRepositoryReferences repositories, ConcurrentDictionary<Digest, byte> guarded, string token)
    {
        _server = server;
        _repositories = repositories;
        _guarded = guarded;
        Token = token;
        Repository = $"{server.Address.Authority}/{RepositoryName}";
    }

    /// <inheritdoc/>
    public string Repository { get; }

    /// <inheritdoc/>
    public string Token { get; }

    /// <inheritdoc/>
    public ContentVerificationException? ContentFailure => _failure;

    /// <summary>Starts a bridge over <paramref name="store"/> on 127.0.0.1 and a free port.</summary>
    public static async Task<LocalStoreBridge> StartAsync(FileSystemCacheStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        var tokens = TokenFile.Parse($"sha256:{hash} read:{RepositoryName} write:{RepositoryName}\n", "the bridge's token");
        var repositories = new MemoryRepositoryReferences();
        var guarded = new ConcurrentDictionary<Digest, byte>();
        LocalStoreBridge? bridge = null;
        var guard = new LayerGuard(guarded.ContainsKey, failure => bridge!._failure = failure);
        var options = new ServerOptions { StorePath = store.DirectoryPath, Listen = "127.0.0.1:0", HoldStoreLock = false };
        var server = await RegistryServer.StartAsync(store, options, tokens, null, repositories, guard, cancellationToken);
        bridge = new LocalStoreBridge(server, repositories, guarded, token);
        return bridge;
    }

    /// <inheritdoc/>
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
    public Task<Descriptor?> ResolveTagAsync(string tag, CancellationToken cancellationToken) =>
        _repositories.ResolveTagAsync(RepositoryName, tag, cancellationToken);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
