using System.Security.Cryptography;
using System.Text;
using LayerCache.Core;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Registry.Store;
using LayerCache.Store;
using LayerCache.Store.Conformance;

namespace LayerCache.Server.Tests;

/// <summary>
/// <c>--cache registry://</c> over <c>layercache serve</c>: the registry store's conformance suite against our own
/// server (not only Distribution), behind a token the CLI sends as <c>LAYERCACHE_TOKEN</c> would.
/// </summary>
public sealed class ServedRegistryStoreConformanceTests(ServedRegistryStoreConformanceTests.Served served)
    : CacheStoreConformance, IClassFixture<ServedRegistryStoreConformanceTests.Served>
{
    private readonly List<RegistryCacheStore> _opened = [];
    private string _repository = string.Empty;

    protected override Task CreateBackingAsync()
    {
        _repository = $"acme/cache/r{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";
        return Task.CompletedTask;
    }

    protected override async Task<ICacheStore> OpenStoreAsync()
    {
        var store = await RegistryCacheStore.OpenAsync(
            new RegistryCacheStoreOptions
            {
                Client = new RegistryClientOptions
                {
                    Registry = served.Server.HostPort,
                    MaxRetries = 1,
                    RetryDelay = TimeSpan.FromMilliseconds(20),
                    Credentials = CacheTokenCredentialProvider.FromEnvironment(name => name == "LAYERCACHE_TOKEN" ? " " + Served.Token + "\n" : null),
                },
                Repository = _repository,
            },
            Ct);
        lock (_opened)
        {
            _opened.Add(store);
        }

        return store;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-token")]
    public async Task Without_the_token_the_store_is_denied(string? token)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var store = await RegistryCacheStore.OpenAsync(
                new RegistryCacheStoreOptions
                {
                    Client = new RegistryClientOptions
                    {
                        Registry = served.Server.HostPort,
                        MaxRetries = 0,
                        Credentials = CacheTokenCredentialProvider.FromEnvironment(name => name == "LAYERCACHE_TOKEN" ? token : null),
                    },
                    Repository = _repository,
                },
                Ct);
            await store.ListEntriesAsync(Ct);
        });

        Assert.Equal(StoreErrorKind.Denied, StoreErrors.Classify(error));
    }

    protected override async Task CorruptBlobAsync(Digest digest)
    {
        var path = Path.Combine(served.Server.StoreDirectory, "store", "blobs", digest.AlgorithmName, digest.Hex);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        for (var i = 0; i < bytes.Length; i += 97)
        {
            bytes[i] ^= 0x5a;
        }

        await File.WriteAllBytesAsync(path, bytes, Ct);
    }

    protected override Task RemoveBlobAsync(Digest digest)
    {
        File.Delete(Path.Combine(served.Server.StoreDirectory, "store", "blobs", digest.AlgorithmName, digest.Hex));
        return Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var store in _opened)
            {
                store.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>One server for the class, with a token that may write <c>acme/cache/**</c> only.</summary>
    public sealed class Served : IAsyncLifetime
    {
        public const string Token = "cache-writer-token";

        private string _tokens = string.Empty;
        private TestServer? _server;

        public TestServer Server => _server ?? throw new InvalidOperationException("not started");

        public async Task InitializeAsync()
        {
            _tokens = Path.GetTempFileName();
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Token)));
            await File.WriteAllTextAsync(_tokens, $"sha256:{hash} write:acme/cache/**\n");
            _server = await TestServer.StartAsync(o => o with { TokensFile = _tokens });
        }

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }

            File.Delete(_tokens);
        }
    }
}
