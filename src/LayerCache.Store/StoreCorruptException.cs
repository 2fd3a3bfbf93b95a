namespace LayerCache.Store;

/// <summary>
/// A store file that must parse (<c>oci-layout</c>, <c>index.json</c>, an entry's index blob) does not.
/// Callers that fail open treat the whole store as a cache miss and may recreate it.
/// </summary>
public sealed class StoreCorruptException : StoreException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public StoreCorruptException()
        : base("cache store is corrupt")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreCorruptException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public StoreCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the corrupt file <paramref name="path"/>; the message names it (once).</summary>
    public StoreCorruptException(string path, string problem, Exception? innerException)
        : base(path, problem.Contains(path, StringComparison.Ordinal) ? problem : $"{path}: {problem}", innerException)
    {
    }

    /// <inheritdoc/>
    public override StoreErrorKind Kind => StoreErrorKind.Corrupt;
}
