using System.CommandLine;
using LayerCache.Core;

namespace LayerCache.Cli.Commands;

/// <summary>
/// <c>layercache restore</c>: the first half, for CIs whose own file-cache step must sit between
/// restore and build. It prints the <c>--cache-from</c> arguments the user's own build needs.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(CliContext cli)
    {
        var options = new CacheCommandOptions(restores: true, saves: false);
        var command = new Command("restore", "Load the newest usable cache entry into the engine and print the --cache-from arguments for docker build");
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cache = options.Bind(parse, parse.GetValue(options.Context) ?? ".", cli.Environment) with { Progress = cli.Progress() };
            using var engine = cli.CreateEngine();
            await CliContext.RequireEngineAsync(engine, cancellationToken);
            var report = await new LayerCacheService(engine, cli.Log).RestoreAsync(cache, cancellationToken);
            await cli.WriteReportAsync(report, parse.GetValue(options.Format), cancellationToken);
            return report.ExitCode;
        });
        return command;
    }
}
