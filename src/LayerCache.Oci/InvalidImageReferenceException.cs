namespace LayerCache.Oci;

/// <summary>
/// A string is not a valid image reference (<c>[registry/]repository[:tag][@digest]</c>). The message
/// is one line that names the input and what is wrong with it.
/// </summary>
public sealed class InvalidImageReferenceException : FormatException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public InvalidImageReferenceException()
        : base("invalid image reference")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidImageReferenceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public InvalidImageReferenceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a given input.</summary>
    public InvalidImageReferenceException(string reference, string message)
        : base(message)
    {
        Reference = reference;
    }

    /// <summary>The rejected input, when known.</summary>
    public string? Reference { get; }
}
