namespace LayerCache.Store;

/// <summary>
/// The store lacks a capability an operation needs (see <see cref="StoreCapabilities"/>): say "not
/// supported by this store", never fail a build over it.
/// </summary>
public sealed class StoreUnsupportedException : StoreException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public StoreUnsupportedException()
        : base("not supported by this cache store")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreUnsupportedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public StoreUnsupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="operation"/> on <paramref name="store"/>, lacking <paramref name="missing"/>.</summary>
    public StoreUnsupportedException(string operation, string store, StoreCapabilities missing)
        : base($"{operation} is not supported by the cache store {store} (it lacks {missing})")
    {
    }

    /// <inheritdoc/>
    public override StoreErrorKind Kind => StoreErrorKind.Unsupported;
}
