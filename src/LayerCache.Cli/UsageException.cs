namespace LayerCache.Cli;

/// <summary>
/// Bad input from the user (flags, files, references). The CLI prints its message as one line
/// and exits with code 2; no stack trace.
/// </summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
