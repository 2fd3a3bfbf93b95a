using LayerCache.Registry.Client;

namespace LayerCache.Registry.Store;

/// <summary>Where a <see cref="RegistryCacheStore"/> is and how to reach it.</summary>
public sealed record RegistryCacheStoreOptions
{
    /// <summary>How to reach the registry (host, credentials, CA, insecure, retries).</summary>
    public required RegistryClientOptions Client { get; init; }

    /// <summary>The repository that holds the cache, e.g. <c>team/app/cache</c>.</summary>
    public required string Repository { get; init; }

    /// <summary>Called with a one-line note for each tag that is skipped (not an entry, unreadable, or broken); never given a secret.</summary>
    public Action<string>? OnSkipped { get; init; }
}
