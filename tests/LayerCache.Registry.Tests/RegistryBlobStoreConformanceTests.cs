using LayerCache.Oci;
using LayerCache.Registry.Store;
using LayerCache.Store;
using LayerCache.Testing;

namespace LayerCache.Registry.Tests;

/// <summary>The blob store conformance suite against a registry store on a real Distribution registry.</summary>
public sealed class RegistryBlobStoreConformanceTests(PrivateRegistry registry) : BlobStoreConformance, IClassFixture<PrivateRegistry>
{
    private RegistryCacheStore? _store;

    protected override async Task<IBlobStore> CreateStoreAsync()
    {
        _store = await RegistryStoreFixture.OpenAsync(registry.Address, RegistryStoreFixture.NewRepository("blobs"), Ct);
        return _store.Blobs;
    }

    protected override Task CorruptAsync(Digest digest) => RegistryStoreFixture.CorruptAsync(registry, digest);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _store?.Dispose();
        }

        base.Dispose(disposing);
    }
}
