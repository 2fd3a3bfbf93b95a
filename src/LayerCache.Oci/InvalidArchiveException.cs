namespace LayerCache.Oci;

/// <summary>
/// A tar archive (<c>docker save</c> output, an OCI archive) is malformed or truncated, or its
/// <c>manifest.json</c> / <c>index.json</c> do not fit its entries. The message is one line naming the
/// problem and, when known, the archive entry.
/// </summary>
public sealed class InvalidArchiveException : OciFormatException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public InvalidArchiveException()
        : base("invalid archive")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidArchiveException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public InvalidArchiveException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an entry.</summary>
    public InvalidArchiveException(string? entryName, string message, Exception? innerException = null)
        : base(entryName is null ? message : $"archive entry \"{entryName}\": {message}", innerException!)
    {
        EntryName = entryName;
    }

    /// <summary>The archive entry the problem is in, when known.</summary>
    public string? EntryName { get; }
}
