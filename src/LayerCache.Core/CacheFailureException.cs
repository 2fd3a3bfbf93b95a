namespace LayerCache.Core;

/// <summary>A cache problem made fatal by <c>--strict</c>. Without it, the same problem is a warning and a cold build.</summary>
public sealed class CacheFailureException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CacheFailureException()
    {
    }

    /// <summary>Creates the exception with a one-line message.</summary>
    public CacheFailureException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a one-line message and its cause.</summary>
    public CacheFailureException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
