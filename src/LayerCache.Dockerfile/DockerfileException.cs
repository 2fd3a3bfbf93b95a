namespace LayerCache.Dockerfile;

/// <summary>
/// A Dockerfile could not be parsed or planned. <see cref="Exception.Message"/> is one line,
/// <c>"{file}:{line}: {problem}"</c>, so it can be printed as is next to compiler-style output.
/// </summary>
public sealed class DockerfileException : Exception
{
    /// <summary>Creates an error for <paramref name="problem"/> at a 1-based <paramref name="line"/>.</summary>
    public DockerfileException(string fileName, int line, string problem, Exception? innerException = null)
        : base($"{fileName}:{line}: {OneLine(problem)}", innerException)
    {
        FileName = fileName;
        Line = line;
        Problem = OneLine(problem);
    }

    /// <summary>Creates an error with a message only, for callers that have no location.</summary>
    public DockerfileException()
        : this("Dockerfile", 1, "invalid Dockerfile")
    {
    }

    /// <summary>Creates an error with a message only, for callers that have no location.</summary>
    public DockerfileException(string message)
        : this("Dockerfile", 1, message)
    {
    }

    /// <summary>Creates an error with a message only, for callers that have no location.</summary>
    public DockerfileException(string message, Exception innerException)
        : this("Dockerfile", 1, message, innerException)
    {
    }

    /// <summary>The file name the Dockerfile was parsed under.</summary>
    public string FileName { get; }

    /// <summary>1-based line of the problem (the first line of the instruction it belongs to).</summary>
    public int Line { get; }

    /// <summary>The problem without the location prefix.</summary>
    public string Problem { get; }

    // Values quoted from the file may contain line breaks; the message must stay on one line.
    private static string OneLine(string text)
        => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
