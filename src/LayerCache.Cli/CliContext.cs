using System.Globalization;
using System.Text.Json;
using LayerCache.Cli.Commands;
using LayerCache.Core;
using LayerCache.Core.Progress;
using LayerCache.Core.Reports;
using LayerCache.Docker;

namespace LayerCache.Cli;

/// <summary>What commands share: where output goes, how to reach the engine, how reports are printed.</summary>
/// <param name="stdout">The report (and nothing else: it may be JSON).</param>
/// <param name="stderr">Log lines, progress and docker's output.</param>
/// <param name="environment">The process environment (tests pass their own).</param>
/// <param name="stderrIsTerminal">Whether stderr is a terminal (null: it is when it is the console's and not redirected).</param>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, Func<string, string?> environment, bool? stderrIsTerminal = null)
{
    public TextWriter Stdout { get; } = stdout;

    public TextWriter Stderr { get; } = stderr;

    /// <summary>The process environment (tests pass their own).</summary>
    public Func<string, string?> Environment { get; } = environment;

    /// <summary>Progress lines: stderr, so that stdout stays the report (or pure JSON).</summary>
    public void Log(string line)
    {
        lock (Stderr)
        {
            Stderr.WriteLine($"layercache: {line}");
        }
    }

    /// <summary>
    /// Progress of restores and saves, on stderr: on a terminal one line rewritten in place a few
    /// times a second; in a log (CI) a line every <c>LAYERCACHE_PROGRESS_INTERVAL</c> seconds (5).
    /// </summary>
    public ProgressReporter Progress()
    {
        if (LiveProgress)
        {
            return new ProgressReporter(ShowProgress, TimeSpan.FromMilliseconds(250));
        }

        var interval = TimeSpan.FromSeconds(5);
        if (Environment(ProgressIntervalVariable) is { Length: > 0 } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || seconds > 86400)
            {
                throw new InvalidInputException($"invalid {ProgressIntervalVariable} \"{text}\": expected seconds between progress lines, e.g. 5 or 0.5");
            }

            interval = TimeSpan.FromSeconds(seconds);
        }

        return new ProgressReporter(ShowProgress, interval);
    }

    /// <summary>The variable that sets the seconds between progress lines in a log.</summary>
    public const string ProgressIntervalVariable = "LAYERCACHE_PROGRESS_INTERVAL";

    /// <summary>True when progress is one line redrawn in place: stderr is a terminal that understands it.</summary>
    private bool LiveProgress =>
        (stderrIsTerminal ?? (ReferenceEquals(Stderr, Console.Error) && !Console.IsErrorRedirected)) && Environment("TERM") is not "dumb";

    /// <summary>Shows one progress line: redrawn in place on a terminal, a log line otherwise.</summary>
    internal void ShowProgress(string line, bool final)
    {
        if (!LiveProgress)
        {
            Log(line);
            return;
        }

        lock (Stderr)
        {
            // \r and "erase to end of line": the next frame overwrites this one; the last one stays.
            Stderr.Write($"\rlayercache: {line}\u001b[K{(final ? "\n" : string.Empty)}");
            Stderr.Flush();
        }
    }

    /// <summary>docker's own build output, passed through to stderr as it arrives.</summary>
    public void BuildOutput(string line)
    {
        lock (Stderr)
        {
            Stderr.WriteLine(line);
        }
    }

    /// <summary>
    /// The engine the docker CLI would use (DOCKER_HOST, TLS variables, contexts), with the registry
    /// credentials of its config.json for pulls.
    /// </summary>
    public DockerEngineClient CreateEngine()
    {
        try
        {
            var endpoint = DockerEndpointResolver.Resolve(Environment);
            return new DockerEngineClient(endpoint, DockerConfigCredentialProvider.FromEnvironment(Environment));
        }
        catch (FormatException e)
        {
            throw new InvalidInputException(e.Message, e);
        }
    }

    /// <summary>restore and save exist only to talk to the engine: without one they are a usage error.</summary>
    public static async Task RequireEngineAsync(IDockerEngine engine, CancellationToken cancellationToken)
    {
        try
        {
            await engine.PingAsync(cancellationToken);
        }
        catch (DockerEngineUnavailableException e)
        {
            throw new InvalidInputException($"cannot reach the docker engine: {e.Message}", e);
        }
        catch (DockerEngineException e)
        {
            // Something answered, but not an engine (a web server's HTML page, a TLS port spoken to in plain HTTP).
            throw new InvalidInputException($"cannot use the docker engine at {engine.Endpoint.Description}: {e.Message}", e);
        }
    }

    /// <summary>Prints the report (to <paramref name="to"/>, else stdout) and appends it to the GitHub step summary.</summary>
    public async Task WriteReportAsync(RunReport report, OutputFormat format, CancellationToken cancellationToken, TextWriter? to = null)
    {
        var writer = to ?? Stdout;
        if (format == OutputFormat.Json)
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(report, CliJsonContext.Default.RunReport).AsMemory(), cancellationToken);
        }
        else
        {
            await writer.WriteAsync(ReportRenderer.ToText(report).AsMemory(), cancellationToken);
        }

        // GitHub Actions shows this file on the run's page.
        if (Environment("GITHUB_STEP_SUMMARY") is { Length: > 0 } summary)
        {
            try
            {
                await File.AppendAllTextAsync(summary, ReportRenderer.ToMarkdown(report), cancellationToken);
            }
            catch (IOException e)
            {
                Log($"warning: cannot write the GitHub step summary {summary}: {e.Message}");
            }
        }
    }
}
