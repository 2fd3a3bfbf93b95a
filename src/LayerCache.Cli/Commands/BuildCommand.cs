using System.CommandLine;
using LayerCache.Core;

namespace LayerCache.Cli.Commands;

/// <summary><c>layercache build</c>: the one-line replacement for <c>docker build</c> in a CI script.</summary>
internal static class BuildCommand
{
    public static Command Create(CliContext cli, IReadOnlyList<string> dockerArguments)
    {
        var options = new CacheCommandOptions(restores: true, saves: true);
        var tags = new Option<string[]>("--tag", "-t")
        {
            Description = "Name and optionally a tag of the target image (name:tag)",
            HelpName = "NAME[:TAG]",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var dockerFlags = new DockerFlagOptions();
        var command = new Command("build", "Restore the cache, build every stage the target needs, save what changed, report");
        options.AddTo(command);
        command.Add(tags);
        dockerFlags.AddTo(command);
        foreach (var option in command.Options.Where(o => o.Name == "--push"))
        {
            option.Description = "After the build, push each -t tag only when its registry does not already have this image (reported as pushed or unchanged)";
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (context, passThrough) = PassThrough.ResolveContext(parse.GetValue(options.Context), dockerArguments);

            // --push is layercache's: after the build, each tag is pushed only when the registry lacks it
            // (the docker 20.10 CLI has no --push of its own).
            var flags = dockerFlags.Arguments(parse);
            var push = flags.Remove("--push") | passThrough.Contains("--push");
            var docker = PassThrough.Classify(flags, [.. passThrough.Where(a => a != "--push")]);
            var tagList = parse.GetValue(tags) ?? [];
            if (push && tagList.Length == 0)
            {
                throw new InvalidInputException("--push needs the image's name: -t REGISTRY/REPOSITORY:TAG");
            }

            var cache = options.Bind(parse, context, cli.Environment) with { Platform = docker.Platform, Progress = cli.Progress(), Push = push };
            var format = parse.GetValue(options.Format);
            using var engine = cli.CreateEngine();
            var service = new LayerCacheService(engine, cli.Log);

            // -q as docker means it: docker's output is not shown and stdout is the image id alone, so
            // the report goes to stderr.
            var report = await service.BuildAsync(cache, tagList, docker, docker.Quiet ? null : cli.BuildOutput, cancellationToken);
            await cli.WriteReportAsync(report, format, cancellationToken, docker.Quiet ? cli.Stderr : null);
            if (docker.Quiet && report.Build?.ImageId is { } id && report.ExitCode == 0)
            {
                await cli.Stdout.WriteLineAsync(id.AsMemory(), cancellationToken);
            }

            return report.ExitCode;
        });
        return command;
    }
}
