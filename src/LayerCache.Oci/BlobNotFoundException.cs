namespace LayerCache.Oci;

/// <summary>A blob is not in the store it was asked from.</summary>
public sealed class BlobNotFoundException : FileNotFoundException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public BlobNotFoundException()
        : base("blob not found")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BlobNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public BlobNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a digest missing from a location.</summary>
    public BlobNotFoundException(Digest digest, string location)
        : base($"blob {digest} not found in {location}")
    {
        Digest = digest;
    }

    /// <summary>The missing blob's digest.</summary>
    public Digest Digest { get; }
}
