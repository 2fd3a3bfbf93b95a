using LayerCache.Oci;
using LayerCache.Registry.Store;
using LayerCache.Store;
using LayerCache.Testing;

namespace LayerCache.Registry.Tests;

/// <summary>The cache store conformance suite against a registry store on a real Distribution registry (deletes enabled).</summary>
public sealed class RegistryCacheStoreConformanceTests(PrivateRegistry registry) : CacheStoreConformance, IClassFixture<PrivateRegistry>
{
    private readonly List<RegistryCacheStore> _opened = [];
    private string _repository = string.Empty;

    protected override Task CreateBackingAsync()
    {
        _repository = RegistryStoreFixture.NewRepository("cache");
        return Task.CompletedTask;
    }

    protected override async Task<ICacheStore> OpenStoreAsync()
    {
        var store = await RegistryStoreFixture.OpenAsync(registry.Address, _repository, Ct);
        lock (_opened)
        {
            _opened.Add(store);
        }

        return store;
    }

    protected override Task CorruptBlobAsync(Digest digest) => RegistryStoreFixture.CorruptAsync(registry, digest);

    protected override Task RemoveBlobAsync(Digest digest) => RegistryStoreFixture.RemoveAsync(registry, _repository, digest, Ct);

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
}
