namespace LayerCache.Store;

/// <summary>
/// Base of every error the cache store raises on purpose. It is an <see cref="IOException"/> so a caller
/// that treats the cache as optional (fail open) can catch one type; the message is a single line that
/// names the file or blob concerned. <see cref="Kind"/> classifies it (see <see cref="StoreErrors.Classify"/>
/// for every other exception a store lets through).
/// </summary>
public class StoreException : IOException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public StoreException()
        : base("cache store error")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreException(string message)
        : base(OneLine(message))
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public StoreException(string message, Exception innerException)
        : base(OneLine(message), innerException)
    {
    }

    /// <summary>Creates the exception with a message about <paramref name="path"/>.</summary>
    public StoreException(string path, string message, Exception? innerException)
        : base(OneLine(message), innerException)
    {
        Path = path;
    }

    /// <summary>Creates the exception of a given kind (a backend mapping its own errors, such as a registry's error codes).</summary>
    public StoreException(StoreErrorKind kind, string message, Exception? innerException)
        : base(OneLine(message), innerException)
    {
        _kind = kind;
    }

    private readonly StoreErrorKind? _kind;

    /// <summary>The file or directory concerned, when known.</summary>
    public string? Path { get; }

    /// <summary>What kind of failure this is; <see cref="StoreErrorKind.Transient"/> unless the thrower or a subclass says otherwise.</summary>
    public virtual StoreErrorKind Kind => _kind ?? StoreErrorKind.Transient;

    // Messages quote file content and exception text; keep them on one line for logs and CI annotations.
    private static string OneLine(string text) =>
        text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
