using System.Globalization;

namespace LayerCache.Docker.Build;

/// <summary>
/// The builder <c>docker build</c> will use, decided exactly as the docker CLI decides it, and why.
/// layercache never forces a builder: it passes the user's <c>DOCKER_BUILDKIT</c> on untouched and
/// only predicts the CLI's choice, so it parses the right output and names the builder in the report.
/// </summary>
/// <remarks>
/// The rules, from docker/cli:
/// <list type="bullet">
/// <item>CLI 23 and later, <c>cmd/docker/builder.go</c> <c>processBuilder</c> (commit 28f7560):
/// <c>DOCKER_BUILDKIT</c> is parsed with <c>strconv.ParseBool</c> (an invalid value is an error);
/// false means the legacy builder; otherwise <c>docker build</c> is forwarded to the buildx plugin
/// when <c>pluginmanager.GetPlugin("buildx")</c> finds it. Without the plugin, an explicit
/// <c>DOCKER_BUILDKIT=1</c> fails ("BuildKit is enabled but the buildx component is missing or
/// broken") and an unset one falls back to the legacy builder with a deprecation warning. A Windows
/// daemon that does not advertise BuildKit keeps the legacy builder.</item>
/// <item>CLI before 23, <c>cli/command/cli.go</c> <c>BuildKitEnabled</c> (v20.10.24): BuildKit when
/// <c>DOCKER_BUILDKIT</c> parses true, the legacy builder when it parses false, and when unset the
/// daemon's default (<c>Builder-Version: 2</c> from <c>/_ping</c> means BuildKit).</item>
/// </list>
/// </remarks>
/// <param name="Kind">The builder whose output the build will print.</param>
/// <param name="IsBuildx">True when <c>docker build</c> is forwarded to the buildx plugin.</param>
/// <param name="Reason">Why, in words for the report.</param>
/// <param name="BuildWillFail">True when the docker CLI will refuse to build (DOCKER_BUILDKIT=1 without buildx, an invalid DOCKER_BUILDKIT): the build runs anyway, so the user gets docker's own error and exit code.</param>
public sealed record BuilderChoice(BuilderKind Kind, bool IsBuildx, string Reason, bool BuildWillFail = false)
{
    /// <summary>The first docker CLI version whose <c>docker build</c> is buildx by default.</summary>
    public static readonly Version BuildxDefaultSince = new(23, 0);

    /// <summary>The builder's name in reports and cache keys: <c>classic</c> or <c>buildkit</c>.</summary>
    public string Name => Kind == BuilderKind.BuildKit ? "buildkit" : "classic";

    /// <summary>Decides as the docker CLI does (see the remarks of <see cref="BuilderChoice"/>).</summary>
    /// <param name="client">The docker CLI's version, or null when it could not be learned.</param>
    /// <param name="hasBuildx">Whether the CLI finds its buildx plugin (only asked of CLIs from 23 on).</param>
    /// <param name="dockerBuildKit">The user's <c>DOCKER_BUILDKIT</c>, or null when unset.</param>
    /// <param name="daemonBuilderVersion">The engine's <c>Builder-Version</c> ping header, if known.</param>
    /// <param name="daemonOs">The engine's <c>OSType</c>, if known.</param>
    public static BuilderChoice Decide(Version? client, bool hasBuildx, string? dockerBuildKit, string? daemonBuilderVersion, string? daemonOs)
    {
        var cli = client is null ? "the docker CLI" : string.Create(CultureInfo.InvariantCulture, $"docker CLI {client}");
        bool? enabled = null;
        if (!string.IsNullOrEmpty(dockerBuildKit))
        {
            enabled = ParseGoBool(dockerBuildKit);
            if (enabled is null)
            {
                return new BuilderChoice(BuilderKind.Classic, false, $"DOCKER_BUILDKIT={dockerBuildKit} is not a boolean: {cli} refuses to build", BuildWillFail: true);
            }
        }

        var daemonBuildKit = daemonBuilderVersion == "2";
        if (client is null || client < BuildxDefaultSince)
        {
            return enabled switch
            {
                true => new BuilderChoice(BuilderKind.BuildKit, false, $"DOCKER_BUILDKIT={dockerBuildKit}"),
                false => new BuilderChoice(BuilderKind.Classic, false, $"DOCKER_BUILDKIT={dockerBuildKit}"),
                null when daemonBuildKit => new BuilderChoice(BuilderKind.BuildKit, false, $"{cli} uses the engine's default builder, BuildKit (DOCKER_BUILDKIT unset)"),
                null => new BuilderChoice(BuilderKind.Classic, false, $"{cli} uses the engine's default builder, the classic one (DOCKER_BUILDKIT unset)"),
            };
        }

        if (enabled is false)
        {
            return new BuilderChoice(BuilderKind.Classic, false, $"DOCKER_BUILDKIT={dockerBuildKit}");
        }

        if (enabled is null && !daemonBuildKit && string.Equals(daemonOs, "windows", StringComparison.OrdinalIgnoreCase))
        {
            return new BuilderChoice(BuilderKind.Classic, false, $"{cli} keeps the legacy builder for a Windows engine without BuildKit");
        }

        if (hasBuildx)
        {
            return new BuilderChoice(
                BuilderKind.BuildKit,
                true,
                enabled is true ? $"DOCKER_BUILDKIT={dockerBuildKit}, {cli} with the buildx plugin" : $"{cli} builds with BuildKit (buildx plugin) by default");
        }

        return enabled is true
            ? new BuilderChoice(BuilderKind.BuildKit, false, $"DOCKER_BUILDKIT={dockerBuildKit} but {cli} has no buildx plugin: docker build refuses to build", BuildWillFail: true)
            : new BuilderChoice(BuilderKind.Classic, false, $"{cli} has no buildx plugin, so it falls back to the legacy builder (DOCKER_BUILDKIT unset)");
    }

    /// <summary>Go's <c>strconv.ParseBool</c>: 1 t T TRUE true True / 0 f F FALSE false False; anything else is null.</summary>
    public static bool? ParseGoBool(string value) => value switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => null,
    };
}
