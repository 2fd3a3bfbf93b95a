using System.Security.Cryptography;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Registry.Store;
using LayerCache.Testing;

namespace LayerCache.Registry.Tests;

/// <summary>Opens registry stores on fresh repositories of one private registry, and damages their blobs behind their back.</summary>
internal static class RegistryStoreFixture
{
    /// <summary>A repository name no other test uses.</summary>
    public static string NewRepository(string prefix) => $"{prefix}/r{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";

    public static Task<RegistryCacheStore> OpenAsync(string registry, string repository, CancellationToken cancellationToken, Action<string>? onSkipped = null) =>
        RegistryCacheStore.OpenAsync(
            new RegistryCacheStoreOptions
            {
                Client = new RegistryClientOptions { Registry = registry, MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(20) },
                Repository = repository,
                OnSkipped = onSkipped,
            },
            cancellationToken);

    /// <summary>Flips bytes of a blob's data file in the registry's filesystem storage, keeping its length.</summary>
    public static async Task CorruptAsync(PrivateRegistry registry, Digest digest)
    {
        var path = Path.Combine(registry.StorageDirectory, "docker", "registry", "v2", "blobs", digest.AlgorithmName, digest.Hex[..2], digest.Hex, "data");
        var bytes = await File.ReadAllBytesAsync(path);
        for (var i = 0; i < bytes.Length; i += 97)
        {
            bytes[i] ^= 0x5a;
        }

        await File.WriteAllBytesAsync(path, bytes);
    }

    /// <summary>Deletes a blob (or manifest) from the repository through the API, as another client could.</summary>
    public static async Task RemoveAsync(PrivateRegistry registry, string repository, Digest digest, CancellationToken cancellationToken)
    {
        using var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address });
        await client.DeleteBlobAsync(repository, digest, cancellationToken);
        try
        {
            await client.DeleteManifestAsync(repository, digest, cancellationToken);
        }
        catch (RegistryException)
        {
            // Not a manifest.
        }
    }
}
