namespace LayerCache.Testing;

/// <summary>The outcome of a finished child process: exit code and its captured output.</summary>
public sealed record ProcessResult(string FileName, IReadOnlyList<string> Arguments, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>True when the process exited with code 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws with the command line and both output streams when the exit code is not 0.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (!Succeeded)
        {
            throw new InvalidOperationException($"{this} failed with exit code {ExitCode}\nstdout:\n{Tail(StandardOutput)}\nstderr:\n{Tail(StandardError)}");
        }

        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => FileName + " " + string.Join(' ', Arguments);

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];
}
