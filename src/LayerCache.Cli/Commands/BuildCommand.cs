using System.CommandLine;
using LayerCache.Core;

namespace LayerCache.Cli.Commands;

/// <summary><c>layercache build</c>: the one-line replacement for <c>docker build</c> in a CI script.</summary>
internal static class BuildCommand
{
    public static Command Create(CliContext cli, IReadOnlyList<string> dockerArguments)
    {
        var options = new CacheCommandOptions();
        var tags = new Option<string[]>("--tag", "-t")
        {
            Description = "Name and optionally a tag of the target image (name:tag)",
            HelpName = "NAME[:TAG]",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("build", "Restore the cache, build every stage the target needs, save what changed, report");
        options.AddTo(command);
        command.Add(tags);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (context, docker) = PassThrough.ResolveContext(parse.GetValue(options.Context), dockerArguments);
            var cache = options.Bind(parse, context, cli.Environment);
            var format = parse.GetValue(options.Format);
            using var engine = cli.CreateEngine();
            var service = new LayerCacheService(engine, cli.Log);
            var report = await service.BuildAsync(cache, parse.GetValue(tags) ?? [], docker, cli.BuildOutput, cancellationToken);
            await cli.WriteReportAsync(report, format, cancellationToken);
            return report.ExitCode;
        });
        return command;
    }
}
