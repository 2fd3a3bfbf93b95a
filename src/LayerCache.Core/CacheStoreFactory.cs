using LayerCache.Docker;
using LayerCache.Registry.Client;
using LayerCache.Registry.Store;
using LayerCache.Store;

namespace LayerCache.Core;

/// <summary>
/// The one place a <see cref="StoreLocation"/> becomes an <see cref="ICacheStore"/>: workflows and
/// maintenance commands open their store here, once, and from then on see only the store interfaces.
/// </summary>
public static class CacheStoreFactory
{
    /// <summary>
    /// Opens the store at <paramref name="location"/>. With <paramref name="create"/> (a writer) a missing
    /// directory store is created and a damaged one rebuilt (<see cref="OpenedStore.RebuiltBecause"/>);
    /// without it (a reader), a store that does not exist yet is null. A registry store is reached with
    /// the credentials of <c>DOCKER_CONFIG</c> (as <c>docker login</c> stored them); a repository that does
    /// not exist yet is an empty store.
    /// </summary>
    /// <exception cref="StoreException">The store exists but cannot be used, or the registry cannot be reached or refuses us (classified by <see cref="StoreErrors.Classify"/>).</exception>
    public static Task<OpenedStore?> OpenAsync(StoreLocation location, bool create, CancellationToken cancellationToken) =>
        OpenAsync(location, create, Environment.GetEnvironmentVariable, cancellationToken);

    /// <summary>As <see cref="OpenAsync(StoreLocation, bool, CancellationToken)"/>, reading <c>DOCKER_CONFIG</c> and <c>HOME</c> from <paramref name="environment"/>.</summary>
    public static async Task<OpenedStore?> OpenAsync(StoreLocation location, bool create, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(location);
        switch (location.Kind)
        {
            case StoreKind.Directory:
                if (!create && !Directory.Exists(location.Directory))
                {
                    return null;
                }

                var store = await FileSystemCacheStore.OpenAsync(location.Directory, new FileSystemCacheStoreOptions { Heal = create }, cancellationToken);
                return new OpenedStore(store, store.RebuiltBecause);

            case StoreKind.Registry:
                var address = location.Registry!;
                var options = new RegistryCacheStoreOptions
                {
                    Client = new RegistryClientOptions
                    {
                        Registry = address.Registry,
                        Insecure = address.Insecure,
                        CaFile = address.CaFile,
                        Credentials = CacheTokenCredentialProvider.FromEnvironment(environment),
                    },
                    Repository = address.Repository,
                };
                return new OpenedStore(await RegistryCacheStore.OpenAsync(options, cancellationToken), null);

            default:
                throw new ArgumentOutOfRangeException(nameof(location), location.Kind, "unknown store kind");
        }
    }

    /// <summary>
    /// <paramref name="location"/> when this version can open its kind of store (every kind it parses); else
    /// a one-line bad-input error, early, before a run does any work.
    /// </summary>
    /// <exception cref="InvalidInputException">The store's settings cannot work (a CA file that does not exist).</exception>
    public static StoreLocation RequireAvailable(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (location.Registry?.CaFile is { } ca && !File.Exists(ca))
        {
            throw new InvalidInputException($"cache store {location}: the CA file {ca} does not exist");
        }

        return location;
    }

    /// <summary>True when the store at <paramref name="location"/> may exist (a directory that is there; any registry), so "no cache yet" can be told from "unusable".</summary>
    public static bool MayExist(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Kind != StoreKind.Directory || Directory.Exists(location.Directory);
    }
}
