namespace LayerCache.Store;

/// <summary>
/// A lock file in the store could not be taken within the configured time: another process holds it
/// (a long save, or a prune waiting for writers). The message names the lock file.
/// </summary>
public sealed class StoreLockTimeoutException : StoreException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public StoreLockTimeoutException()
        : base("timed out waiting for a cache store lock")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreLockTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public StoreLockTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the lock file <paramref name="path"/> after <paramref name="waited"/>.</summary>
    public StoreLockTimeoutException(string path, TimeSpan waited, bool exclusive, Exception? innerException)
        : base(path, $"the cache store is busy: another process held {path} for {waited.TotalSeconds:0.#}s (the limit) while this one waited for an {(exclusive ? "exclusive" : "shared")} lock", innerException)
    {
    }
}
