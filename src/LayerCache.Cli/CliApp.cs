using System.CommandLine;
using LayerCache.Cli.Commands;
using LayerCache.Core;
using LayerCache.Dockerfile;

namespace LayerCache.Cli;

/// <summary>The composition root: builds the command tree and maps failures to exit codes.</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var root = new RootCommand("layercache: warm docker builds on fresh CI machines");
        root.Add(StagesCommand.Create(stdout));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, exit 2: CI logs should say what was wrong, not print a help page.
            await stderr.WriteLineAsync($"layercache: {parse.Errors[0].Message} (see 'layercache --help')");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (InvalidInputException e)
        {
            await stderr.WriteLineAsync($"layercache: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (DockerfileException e)
        {
            await stderr.WriteLineAsync($"layercache: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("layercache: cancelled");
            return 130;
        }
    }
}
