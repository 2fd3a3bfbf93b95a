using System.Text.RegularExpressions;

namespace LayerCache.Docker.Build;

/// <summary>Entry points for parsing <c>docker build</c> output of either builder.</summary>
public static partial class BuildOutputParser
{
    /// <summary>A fresh incremental parser for <paramref name="builder"/>'s output.</summary>
    public static IBuildOutputParser Create(BuilderKind builder) => builder switch
    {
        BuilderKind.Classic => new ClassicBuildOutputParser(),
        BuilderKind.BuildKit => new BuildKitOutputParser(),
        _ => throw new ArgumentOutOfRangeException(nameof(builder), builder, "unknown builder"),
    };

    /// <summary>Which builder wrote <paramref name="output"/>: BuildKit's plain progress starts its lines with <c>#N </c>.</summary>
    public static BuilderKind Detect(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return BuildKitLine().IsMatch(output) ? BuilderKind.BuildKit : BuilderKind.Classic;
    }

    /// <summary>Parses a complete stored output of either builder (detected).</summary>
    public static BuildOutput Parse(string output) =>
        Detect(output) == BuilderKind.BuildKit ? BuildKitOutputParser.Parse(output) : ClassicBuildOutputParser.Parse(output);

    [GeneratedRegex(@"^#\d+ \S", RegexOptions.Multiline)]
    private static partial Regex BuildKitLine();
}
