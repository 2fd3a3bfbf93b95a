namespace LayerCache.Store;

/// <summary>Tuning of a <see cref="FileSystemCacheStore"/>; the defaults suit CI.</summary>
public sealed record FileSystemCacheStoreOptions
{
    /// <summary>How long to wait for a lock file before giving up with <see cref="StoreLockTimeoutException"/>.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Temporary files older than this are debris of a killed process and deleted by a prune.</summary>
    public TimeSpan StaleTempAge { get; init; } = TimeSpan.FromHours(1);
}
