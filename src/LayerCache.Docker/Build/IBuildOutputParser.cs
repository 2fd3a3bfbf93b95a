namespace LayerCache.Docker.Build;

/// <summary>
/// Parses a <c>docker build</c> output incrementally, line by line as the CLI prints it, so step
/// durations can be measured from arrival times.
/// </summary>
public interface IBuildOutputParser
{
    /// <summary>The builder whose output this parser understands.</summary>
    BuilderKind Builder { get; }

    /// <summary>Feeds one output line (stdout and stderr interleaved, without the newline).</summary>
    /// <param name="line">The line.</param>
    /// <param name="receivedAt">When the line arrived, or null when parsing a stored output without times.</param>
    void ProcessLine(string line, DateTimeOffset? receivedAt);

    /// <summary>Ends the output and returns the result; steps still open become incomplete or failed.</summary>
    /// <param name="endedAt">When the build process ended, or null.</param>
    BuildOutput Complete(DateTimeOffset? endedAt);
}
