namespace LayerCache.Oci;

/// <summary>
/// A document or file is malformed: bad JSON, a missing required field, a wrong schema version, an
/// invalid image layout. The message is one line naming the document (and file, when known).
/// </summary>
public class OciFormatException : FormatException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public OciFormatException()
        : base("malformed OCI content")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public OciFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public OciFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
