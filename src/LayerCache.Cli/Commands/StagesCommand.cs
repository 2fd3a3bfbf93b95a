using System.CommandLine;
using System.Text.Json;
using LayerCache.Core.Planning;

namespace LayerCache.Cli.Commands;

/// <summary><c>layercache stages</c>: the stages a target needs, in build order: what will be cached.</summary>
internal static class StagesCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = CommonOptions.File();
        var target = CommonOptions.Target();
        var buildArgs = CommonOptions.BuildArgs();
        var format = CommonOptions.Format();
        var context = CommonOptions.Context();
        var command = new Command("stages", "List the stages the target needs, in build order, with their bases and dependencies")
        {
            file, target, buildArgs, format, context,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new StagesOptions(
                CommonOptions.ResolveDockerfile(parse.GetValue(file), parse.GetValue(context) ?? "."),
                parse.GetValue(target),
                CommonOptions.ParseBuildArgs(parse.GetValue(buildArgs), Environment.GetEnvironmentVariable),
                parse.GetValue(format));
            return await RunAsync(options, stdout, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(StagesOptions options, TextWriter stdout, CancellationToken cancellationToken)
    {
        var planned = await DockerfilePlanner.PlanAsync(options.Dockerfile, options.Target, options.BuildArgs, cancellationToken);
        var report = StagesReport.From(options.Dockerfile, planned.Plan);
        if (options.Format == OutputFormat.Json)
        {
            await stdout.WriteLineAsync(JsonSerializer.Serialize(report, CliJsonContext.Default.StagesReport));
        }
        else
        {
            await stdout.WriteAsync(report.ToText());
        }

        return ExitCodes.Success;
    }
}
