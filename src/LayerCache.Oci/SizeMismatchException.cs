namespace LayerCache.Oci;

/// <summary>Content had a different byte count than expected (truncated, or longer than its descriptor says).</summary>
public sealed class SizeMismatchException : ContentVerificationException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public SizeMismatchException()
        : base("content size does not match")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SizeMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SizeMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Creates the exception for an expected and actual size. When the content was too long, reading
    /// stops as soon as the limit is passed, so <paramref name="actual"/> is a lower bound.
    /// </summary>
    public SizeMismatchException(long expected, long actual, string? source = null)
        : base(actual > expected
            ? $"size mismatch{(source is null ? string.Empty : " for " + source)}: expected {expected} bytes, got more ({actual} read so far)"
            : $"size mismatch{(source is null ? string.Empty : " for " + source)}: expected {expected} bytes, got {actual}")
    {
        Expected = expected;
        Actual = actual;
        ContentSource = source;
    }

    /// <summary>The expected byte count.</summary>
    public long Expected { get; }

    /// <summary>The bytes seen (a lower bound when too long).</summary>
    public long Actual { get; }

    /// <summary>What was being read, if known.</summary>
    public string? ContentSource { get; }
}
