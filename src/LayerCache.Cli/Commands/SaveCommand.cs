using System.CommandLine;
using LayerCache.Core;

namespace LayerCache.Cli.Commands;

/// <summary>
/// <c>layercache save</c>: the second half. Works after a plain <c>docker build</c> too: it finds
/// every stage's image itself (a cached <c>--target</c> build per stage) instead of scraping
/// <c>---&gt;</c> lines as the seeds do.
/// </summary>
internal static class SaveCommand
{
    public static Command Create(CliContext cli, IReadOnlyList<string> dockerArguments)
    {
        var options = new CacheCommandOptions(restores: false, saves: true);
        var command = new Command("save", "Save the stage images of the last build into the cache, then apply retention");
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (context, passThrough) = PassThrough.ResolveContext(parse.GetValue(options.Context), dockerArguments);
            var docker = PassThrough.Classify([], passThrough);
            var cache = options.Bind(parse, context, cli.Environment) with { Platform = docker.Platform, Progress = cli.Progress() };
            using var engine = cli.CreateEngine();
            await CliContext.RequireEngineAsync(engine, cancellationToken);
            var report = await new LayerCacheService(engine, cli.Log).SaveAsync(cache, docker, cli.BuildOutput, cancellationToken);
            await cli.WriteReportAsync(report, parse.GetValue(options.Format), cancellationToken);
            return report.ExitCode;
        });
        return command;
    }
}
