using LayerCache.Core.Reports;
using LayerCache.Store;

namespace LayerCache.Core;

/// <summary>The store maintenance workflows: <c>ls</c>, <c>prune</c> and <c>verify</c>.</summary>
public static class StoreService
{
    /// <summary>Lists the entries of a store (an absent store lists nothing).</summary>
    public static Task<StoreListing> ListAsync(StoreLocation location, CancellationToken cancellationToken) =>
        ListAsync(location, Environment.GetEnvironmentVariable, cancellationToken);

    /// <summary>As <see cref="ListAsync(StoreLocation, CancellationToken)"/>, with registry credentials found through <paramref name="environment"/>.</summary>
    public static async Task<StoreListing> ListAsync(StoreLocation location, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!CacheStoreFactory.MayExist(location))
        {
            return new StoreListing(location.ToString(), [], 0);
        }

        var store = await OpenAsync(location, environment, cancellationToken);
        var entries = await UsingAsync(location, () => store.ListEntriesAsync(cancellationToken));
        var listings = new List<EntryListing>();
        foreach (var entry in entries)
        {
            listings.Add(new EntryListing(
                entry.RefName ?? entry.Id.Value,
                entry.Scope.Value,
                entry.Image.ToString(),
                entry.Stages.Select(s => s.Name).ToList(),
                await store.GetSizeAsync([entry], cancellationToken),
                entry.Created,
                entry.LastUsed,
                entry.Key.Value,
                entry.Builder,
                entry.Target));
        }

        return new StoreListing(location.ToString(), listings, await store.GetSizeAsync(entries, cancellationToken));
    }

    /// <summary>Applies retention and collects unreferenced blobs.</summary>
    public static Task<PruneReport> PruneAsync(StoreLocation location, RetentionPolicy policy, TimeProvider clock, CancellationToken cancellationToken) =>
        PruneAsync(location, policy, clock, Environment.GetEnvironmentVariable, cancellationToken);

    /// <summary>As <see cref="PruneAsync(StoreLocation, RetentionPolicy, TimeProvider, CancellationToken)"/>, with registry credentials found through <paramref name="environment"/>.</summary>
    public static async Task<PruneReport> PruneAsync(StoreLocation location, RetentionPolicy policy, TimeProvider clock, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var store = await OpenAsync(location, environment, cancellationToken) as IPrunableCacheStore
            ?? throw new InvalidInputException($"prune is not supported by the cache store {location}");
        return await UsingAsync(location, () => store.PruneAsync(policy, clock.GetUtcNow(), cancellationToken));
    }

    /// <summary>Re-hashes every blob and checks every entry.</summary>
    public static async Task<VerifyReport> VerifyAsync(StoreLocation location, CancellationToken cancellationToken)
    {
        var store = await OpenAsync(location, Environment.GetEnvironmentVariable, cancellationToken) as IVerifiableCacheStore
            ?? throw new InvalidInputException($"verify is not supported by the cache store {location}");
        return await UsingAsync(location, () => store.VerifyAsync(cancellationToken));
    }

    // A store failure (busy lock, damaged store) is one clear line, never an internal error.
    private static async Task<T> UsingAsync<T>(StoreLocation location, Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (Exception e) when (StoreErrors.IsStoreFailure(e))
        {
            throw new InvalidInputException($"cache store {location} is unusable: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    private static async Task<ICacheStore> OpenAsync(StoreLocation location, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        try
        {
            return (await CacheStoreFactory.OpenAsync(location, create: false, environment, cancellationToken))?.Store
                ?? throw new InvalidInputException($"no cache store at {location}");
        }
        catch (StoreException e)
        {
            throw new InvalidInputException($"cache store {location} is unusable: {e.Message}", e);
        }
    }
}
