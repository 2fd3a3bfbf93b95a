using System.Text.Json;
using LayerCache.Cli.Commands;
using LayerCache.Core;
using LayerCache.Core.Reports;
using LayerCache.Docker;

namespace LayerCache.Cli;

/// <summary>What commands share: where output goes, how to reach the engine, how reports are printed.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
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
