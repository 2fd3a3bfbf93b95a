using System.CommandLine;
using System.Text;
using System.Text.Json;
using LayerCache.Core;
using LayerCache.Core.Keys;

namespace LayerCache.Cli.Commands;

/// <summary><c>layercache key</c>: the cache key and its inputs, for CI cache keys (<c>--output key.txt</c> then <c>{{ checksum "key.txt" }}</c>).</summary>
internal static class KeyCommand
{
    public static Command Create(CliContext cli)
    {
        var options = new CacheCommandOptions(restores: false, saves: false);
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Also write the key to this file",
            HelpName = "FILE",
        };
        var resolve = new Option<BaseImageResolution>("--resolve")
        {
            Description = "Where base image digests come from: auto (the engine's image ids, the registry's manifest digests when there is no engine), engine, or registry (a HEAD request per base, no engine needed)",
            DefaultValueFactory = _ => BaseImageResolution.Auto,
        };
        var command = new Command("key", "Print the cache key and its inputs: Dockerfile, key files, build args, base image digests");
        options.AddTo(command);
        command.Add(output);
        command.Add(resolve);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cache = options.Bind(parse, parse.GetValue(options.Context) ?? ".", cli.Environment) with { BaseImageResolution = parse.GetValue(resolve) };
            using var engine = cli.CreateEngine();
            var report = await new LayerCacheService(engine, cli.Log).KeyAsync(cache, cancellationToken);
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, report.Key + "\n", cancellationToken);
            }

            if (parse.GetValue(options.Format) == OutputFormat.Json)
            {
                await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(report, CliJsonContext.Default.KeyReport));
                return ExitCodes.Success;
            }

            var text = new StringBuilder();
            text.Append(report.Key).Append('\n');
            text.Append("  dockerfile ").Append(report.Dockerfile).Append(' ').Append(report.DockerfileDigest).Append('\n');
            text.Append("  target     ").Append(report.Target).Append(" (").Append(report.Builder).Append(")\n");
            foreach (var (image, digest) in report.BaseImages)
            {
                var manifest = report.BaseManifests?.GetValueOrDefault(image);
                text.Append("  base       ").Append(image).Append(' ');
                text.Append(manifest is not null ? "manifest " + manifest : digest ?? "(not resolved)");
                if (manifest is not null && digest is not null)
                {
                    text.Append(" (image id ").Append(digest).Append(')');
                }

                text.Append('\n');
            }

            foreach (var (name, digest) in report.BuildArgs)
            {
                text.Append("  build-arg  ").Append(name).Append(' ').Append(digest).Append('\n');
            }

            foreach (var (path, digest) in report.KeyFiles)
            {
                text.Append("  key-file   ").Append(path).Append(' ').Append(digest).Append('\n');
            }

            text.Append("  scope      ").Append(report.Scope).Append('\n');
            text.Append("  inputs     ").Append(report.Inputs ?? "(none)").Append(" (key inputs and the build context: equal digests build the same image)\n");
            foreach (var refusal in report.InputsRefusals)
            {
                text.Append("  inputs     a build would not take the shortcut: ").Append(refusal).Append('\n');
            }

            await cli.Stdout.WriteAsync(text.ToString());
            return ExitCodes.Success;
        });
        return command;
    }
}
