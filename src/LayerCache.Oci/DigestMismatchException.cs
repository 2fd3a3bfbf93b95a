namespace LayerCache.Oci;

/// <summary>Content hashed to a different digest than expected.</summary>
public sealed class DigestMismatchException : ContentVerificationException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public DigestMismatchException()
        : base("content digest does not match")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DigestMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public DigestMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an expected and actual digest; <paramref name="source"/> names the content.</summary>
    public DigestMismatchException(Digest expected, Digest actual, string? source = null)
        : base($"digest mismatch{(source is null ? string.Empty : " for " + source)}: expected {expected}, got {actual}")
    {
        Expected = expected;
        Actual = actual;
        ContentSource = source;
    }

    /// <summary>The digest the content should have had.</summary>
    public Digest Expected { get; }

    /// <summary>The digest the content had.</summary>
    public Digest Actual { get; }

    /// <summary>What was being read (a path, an archive entry, a URL), if known.</summary>
    public string? ContentSource { get; }
}
