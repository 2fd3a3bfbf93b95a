namespace LayerCache.Oci;

/// <summary>
/// Content did not match what its descriptor promised (digest or size). Callers that fail open catch
/// this one type: the content is corrupt or truncated and must be treated as missing.
/// </summary>
public class ContentVerificationException : IOException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ContentVerificationException()
        : base("content does not match its descriptor")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ContentVerificationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ContentVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
