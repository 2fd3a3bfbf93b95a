namespace LayerCache.Core;

/// <summary>
/// Bad input from the user: flags, files, store locations. The CLI prints the message as one
/// line and exits with code 2.
/// </summary>
public sealed class InvalidInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidInputException()
    {
    }

    /// <summary>Creates the exception with a one-line message.</summary>
    public InvalidInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a one-line message and its cause.</summary>
    public InvalidInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
