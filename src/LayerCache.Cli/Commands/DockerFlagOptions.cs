using System.CommandLine;
using LayerCache.Docker.Build;

namespace LayerCache.Cli.Commands;

/// <summary>
/// docker build's common flags as <c>layercache build</c> options, spelled and meant as docker's
/// (<see cref="DockerBuildFlags"/> rows marked first class, except -f, --target, --build-arg and -t,
/// which layercache has always had). Their values become docker arguments again, to be sorted
/// with those after <c>--</c>.
/// </summary>
internal sealed class DockerFlagOptions
{
    private static readonly HashSet<string> OwnedElsewhere = ["--file", "--target", "--build-arg", "--tag"];

    private readonly List<(DockerBuildFlag Flag, Option Option)> _options = [];

    public DockerFlagOptions()
    {
        foreach (var flag in DockerBuildFlags.All.Where(f => f.FirstClass && !OwnedElsewhere.Contains(f.Name)))
        {
            string[] aliases = flag.Short is { } s ? [s] : [];
            Option option = flag.TakesValue
                ? new Option<string[]>(flag.Name, aliases)
                {
                    Description = $"docker build {flag.Name} ({Where(flag)})",
                    HelpName = "VALUE",
                    Arity = ArgumentArity.ZeroOrMore,
                    AllowMultipleArgumentsPerToken = false,
                }
                : new Option<bool>(flag.Name, aliases) { Description = $"docker build {flag.Name} ({Where(flag)})" };
            _options.Add((flag, option));
        }
    }

    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options)
        {
            command.Add(option);
        }
    }

    /// <summary>The given flags as docker arguments (<c>--network none</c>, <c>--pull</c>).</summary>
    public List<string> Arguments(ParseResult parse)
    {
        var args = new List<string>();
        foreach (var (flag, option) in _options)
        {
            switch (option)
            {
                case Option<string[]> values:
                    foreach (var value in parse.GetValue(values) ?? [])
                    {
                        args.AddRange([flag.Name, value]);
                    }

                    break;
                case Option<bool> toggle when parse.GetValue(toggle):
                    args.Add(flag.Name);
                    break;
            }
        }

        return args;
    }

    private static string Where(DockerBuildFlag flag) =>
        flag.Treatment == DockerFlagTreatment.EveryPass ? "every stage's build" : "the target build";
}
