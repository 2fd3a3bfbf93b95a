namespace LayerCache.Cli;

/// <summary>Process exit codes, shared by every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A failure that is not the user's input: an engine or store error under --strict.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: malformed flags, Dockerfile, reference or file.</summary>
    public const int Usage = 2;

    /// <summary>Cancelled: 128 + SIGINT, as a shell reports Ctrl-C (SIGTERM makes it 143, see <see cref="SignalCancellation"/>).</summary>
    public const int Cancelled = 130;
}
