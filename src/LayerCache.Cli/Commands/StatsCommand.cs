using System.CommandLine;
using System.Text;
using System.Text.Json;
using LayerCache.Core;
using LayerCache.Core.Stats;
using LayerCache.Store;

namespace LayerCache.Cli.Commands;

/// <summary>
/// <c>layercache stats</c>: hits, misses and why, seconds saved and bytes moved per run, from the run
/// history the store keeps (see <see cref="FileRunHistory"/>), with a chart: in the text, in the GitHub
/// step summary (Mermaid) and as an SVG file (<c>--svg</c>).
/// </summary>
internal static class StatsCommand
{
    public static Command Create(CliContext cli)
    {
        var cache = CommonOptions.Cache();
        var scope = new Option<string?>("--scope")
        {
            Description = "Only runs of this scope (project/branch, as the report names it)",
            HelpName = "NAME",
        };
        var since = new Option<string?>("--since")
        {
            Description = "Only runs of the last AGE (7d, 12h, 2w); by the recorded times, which are the writers' clocks",
            HelpName = "AGE",
        };
        var format = new Option<StatsFormat>("--format")
        {
            Description = "Output format: text (the default), json or markdown",
            HelpName = "text|json|markdown",
            CustomParser = result =>
            {
                var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "text";
                switch (value.ToLowerInvariant())
                {
                    case "text":
                        return StatsFormat.Text;
                    case "json":
                        return StatsFormat.Json;
                    case "markdown":
                        return StatsFormat.Markdown;
                    default:
                        result.AddError($"invalid --format \"{value}\": expected text, json or markdown");
                        return StatsFormat.Text;
                }
            },
        };
        var svg = new Option<string?>("--svg")
        {
            Description = "Also write a bar chart of the newest runs (seconds taken and saved, hit or miss) to this SVG file",
            HelpName = "PATH",
        };
        var command = new Command("stats", "Cache statistics over time: hits, misses and why, seconds saved, bytes moved per run, with a chart")
        {
            cache, scope, since, format, svg,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TimeSpan? age = null;
            if (parse.GetValue(since) is { } text)
            {
                if (!RetentionPolicy.TryParseDuration(text, out var parsed) || parsed <= TimeSpan.Zero)
                {
                    throw new InvalidInputException($"invalid --since \"{text}\": expected an age such as 7d, 12h or 2w");
                }

                age = parsed;
            }

            var report = await StatsService.ReadAsync(CommonOptions.Store(parse, cache, cli.Environment), parse.GetValue(scope), age, TimeProvider.System, cancellationToken);
            var output = parse.GetValue(format) switch
            {
                StatsFormat.Json => JsonSerializer.Serialize(report, CliJsonContext.Default.StatsReport) + "\n",
                StatsFormat.Markdown => StatsRenderer.ToMarkdown(report),
                _ => StatsRenderer.ToText(report),
            };
            await cli.Stdout.WriteAsync(output.AsMemory(), cancellationToken);

            if (parse.GetValue(svg) is { } path)
            {
                try
                {
                    await File.WriteAllTextAsync(path, StatsRenderer.ToSvg(report), Encoding.UTF8, cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new InvalidInputException($"--svg {path}: {e.Message}", e);
                }
            }

            // GitHub Actions shows this file on the run's page.
            if (cli.Environment("GITHUB_STEP_SUMMARY") is { Length: > 0 } summary)
            {
                try
                {
                    await File.AppendAllTextAsync(summary, StatsRenderer.ToMarkdown(report), cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    cli.Log($"warning: cannot write the GitHub step summary {summary}: {e.Message}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
