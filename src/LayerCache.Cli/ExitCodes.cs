namespace LayerCache.Cli;

/// <summary>Process exit codes, shared by every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A failure that is not the user's input: an engine or store error under --strict.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: malformed flags, Dockerfile, reference or file.</summary>
    public const int Usage = 2;
}
