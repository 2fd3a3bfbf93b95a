using System.CommandLine;
using System.CommandLine.Help;
using LayerCache.Cli.Commands;
using LayerCache.Core;
using LayerCache.Docker;
using LayerCache.Dockerfile;

namespace LayerCache.Cli;

/// <summary>The composition root: builds the command tree and maps failures to exit codes.</summary>
internal static class CliApp
{
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, stdout, stderr, Environment.GetEnvironmentVariable, cancellationToken);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var (own, docker) = PassThrough.Split(args);
        var cli = new CliContext(stdout, stderr, environment);
        var root = new RootCommand("layercache: warm docker builds on fresh CI machines")
        {
            BuildCommand.Create(cli, docker),
            RestoreCommand.Create(cli),
            SaveCommand.Create(cli, docker),
            KeyCommand.Create(cli),
            StagesCommand.Create(stdout),
            StoreCommands.List(cli),
            StoreCommands.Prune(cli),
            StoreCommands.Verify(cli),
            StatsCommand.Create(cli),
            ServeCommand.Create(cli),
        };

        var parse = root.Parse(own);
        if (UnknownOption(parse) is { } unknown)
        {
            // System.CommandLine binds an unknown --flag to the CONTEXT argument and then complains about
            // the real context; name the flag the user mistyped instead.
            var name = parse.CommandResult.Command.Name;
            if (parse.CommandResult.Command is RootCommand)
            {
                // The root command's name is the executable's ("layercache", or a test host's).
                await stderr.WriteLineAsync($"layercache: unknown option '{unknown}' (see 'layercache --help')");
                return ExitCodes.Usage;
            }

            var hint = name is "build" or "save" && LayerCache.Docker.Build.DockerBuildFlags.Find(unknown) is not null
                ? $": it is a docker build flag, pass it to docker after -- (layercache {name} … -- {unknown.Split('=')[0]} …)"
                : $" (see 'layercache {name} --help')";
            await stderr.WriteLineAsync($"layercache: unknown option '{unknown}' for '{name}'{hint}");
            return ExitCodes.Usage;
        }

        if (parse.CommandResult.Command is RootCommand && parse.UnmatchedTokens.Count > 0)
        {
            await stderr.WriteLineAsync($"layercache: unknown command '{parse.UnmatchedTokens[0]}' (see 'layercache --help')");
            return ExitCodes.Usage;
        }

        if (parse.Errors.Count > 0)
        {
            // One line, exit 2: CI logs should say what was wrong, not print a help page.
            await stderr.WriteLineAsync($"layercache: {parse.Errors[0].Message.ReplaceLineEndings(" ")} (see 'layercache --help')");
            return ExitCodes.Usage;
        }

        if (docker.Length > 0 && parse.CommandResult.Command.Name is not ("build" or "save"))
        {
            await stderr.WriteLineAsync($"layercache: arguments after -- go to docker build; '{parse.CommandResult.Command.Name}' takes none");
            return ExitCodes.Usage;
        }

        try
        {
            // ProcessTerminationTimeout = null: System.CommandLine's own SIGINT/SIGTERM handling would
            // cancel a token of its own (racing ours, see SignalCancellation) and then kill the process
            // after two seconds, mid-cleanup; Program owns the signals.
            var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            var code = await parse.InvokeAsync(configuration, cancellationToken);
            if (parse.Action is HelpAction)
            {
                await stdout.WriteAsync(EnvironmentHelp.For(parse.CommandResult.Command is RootCommand ? null : parse.CommandResult.Command.Name).AsMemory(), cancellationToken);
                await stdout.WriteLineAsync();
            }

            return cancellationToken.IsCancellationRequested ? await CancelledAsync(stderr) : code;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Whatever a cancelled operation surfaced as (an OperationCanceledException, or the IOException
            // of a killed child's pipe), a cancelled run ends in one line, not in its cause.
            return await CancelledAsync(stderr);
        }
        catch (Exception e) when (e is InvalidInputException or DockerfileException)
        {
            await stderr.WriteLineAsync($"layercache: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (CacheFailureException e)
        {
            await stderr.WriteLineAsync($"layercache: {e.Message} (--strict)");
            return ExitCodes.Failure;
        }
        catch (DockerEngineUnavailableException e)
        {
            // No docker CLI or no engine where one is required: the user's setup, named in one line.
            await stderr.WriteLineAsync($"layercache: {e.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (environment("LAYERCACHE_DEBUG") is not "1")
        {
            // Never a stack trace for users; LAYERCACHE_DEBUG=1 shows it for bug reports.
            await stderr.WriteLineAsync($"layercache: internal error: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")} (set LAYERCACHE_DEBUG=1 for details)");
            return ExitCodes.Failure;
        }
    }

    private static async Task<int> CancelledAsync(TextWriter stderr)
    {
        await stderr.WriteLineAsync("layercache: cancelled");
        return ExitCodes.Cancelled;
    }

    /// <summary>The first token that looks like an option but was bound as an argument value or left unmatched.</summary>
    private static string? UnknownOption(ParseResult parse)
    {
        static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-' && !char.IsDigit(token[1]);

        var bound = parse.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value);
        return bound.Concat(parse.UnmatchedTokens).FirstOrDefault(LooksLikeOption);
    }
}
