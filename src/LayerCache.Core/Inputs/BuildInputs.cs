using System.Text;
using LayerCache.Core.Context;
using LayerCache.Oci;

namespace LayerCache.Core.Inputs;

/// <summary>
/// The inputs digest: one digest of everything a build reads. The cache key (Dockerfile, target,
/// builder, platform, build args with those taken from the environment, key files, base image ids),
/// the docker flags that reach the build, the environment variables the docker CLI turns into build
/// settings, the engine's platform, the .dockerignore in use and the build context as the builder
/// sees it (<see cref="ContextDigest"/>). Two runs with equal digests make the same image.
/// </summary>
public static class BuildInputs
{
    /// <summary>
    /// Environment variables the docker CLI or buildx read into the build itself (not display or
    /// transport): the default platform, reproducible timestamps, the buildx builder, attestations.
    /// </summary>
    public static IReadOnlyList<string> EnvironmentVariables { get; } =
        ["DOCKER_DEFAULT_PLATFORM", "SOURCE_DATE_EPOCH", "BUILDX_BUILDER", "BUILDX_NO_DEFAULT_ATTESTATIONS", "BUILDKIT_MULTI_PLATFORM", "BUILDKIT_SYNTAX"];

    /// <summary>Computes the digest; reads the ignore file and walks the context.</summary>
    /// <exception cref="IOException">The context or an entry in it could not be read.</exception>
    /// <exception cref="InvalidInputException">The .dockerignore is unusable.</exception>
    public static async Task<BuildInputsResult> ComputeAsync(BuildInputsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ignoreFile = DockerIgnoreFile.Find(request.Context, request.Dockerfile, request.BuildKit);
        PatternMatcher? matcher = null;
        Digest? ignoreDigest = null;
        if (ignoreFile is not null)
        {
            var bytes = await InputFile.ReadAllBytesAsync(ignoreFile, ".dockerignore", InputFile.MaxDocumentBytes, cancellationToken);
            ignoreDigest = Digest.Compute(bytes);
            var patterns = DockerIgnoreFile.Parse(Encoding.UTF8.GetString(bytes)).ToList();
            if (!request.BuildKit)
            {
                patterns.AddRange(ClassicAlwaysSent(patterns, request.Context, request.Dockerfile));
            }

            try
            {
                matcher = PatternMatcher.Create(patterns);
            }
            catch (FormatException e)
            {
                throw new InvalidInputException($"{ignoreFile}: {e.Message} (docker build refuses it too)", e);
            }
        }

        var context = await ContextDigest.ComputeAsync(request.Context, matcher, ownership: request.BuildKit, cancellationToken);
        var text = CanonicalText(request, ignoreFile is null ? null : RelativeName(request.Context, ignoreFile), ignoreDigest, context.Digest);
        return new BuildInputsResult(Digest.Compute(Encoding.UTF8.GetBytes(text)), context);
    }

    /// <summary>The canonical text the inputs digest is the digest of (the context by its own digest).</summary>
    public static string CanonicalText(BuildInputsRequest request, string? ignoreFile, Digest? ignoreDigest, Digest context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = new StringBuilder();
        text.Append("layercache-inputs v1\n");
        text.Append("key ").Append(request.Key.Value).Append('\n');
        text.Append("engine ").Append(request.EnginePlatform ?? "unknown").Append('\n');
        foreach (var flag in request.DockerFlags)
        {
            // Each word on its own line, escaped: "--label a" and "--label=a" stay apart, as docker may not treat them alike.
            text.Append("flag ").Append(Escape(flag)).Append('\n');
        }

        foreach (var name in EnvironmentVariables)
        {
            if (request.Environment(name) is { } value)
            {
                text.Append("env ").Append(name).Append(' ').Append(Digest.Compute(Encoding.UTF8.GetBytes(value)).Value).Append('\n');
            }
        }

        text.Append("ignore ").Append(ignoreFile is null ? "none" : Escape(ignoreFile) + " " + ignoreDigest?.Value).Append('\n');
        text.Append("context ").Append(context.Value).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// docker/cli's <c>TrimBuildFilesFromExcludes</c>: the classic builder always sends the Dockerfile and
    /// the .dockerignore, even when the ignore file excludes them.
    /// </summary>
    private static IEnumerable<string> ClassicAlwaysSent(IReadOnlyList<string> patterns, string context, string dockerfile)
    {
        var matcher = PatternMatcher.Create(patterns);
        if (matcher.MatchesOrParentMatches(".dockerignore"))
        {
            yield return "!.dockerignore";
        }

        var relative = Path.GetRelativePath(Path.GetFullPath(context), Path.GetFullPath(dockerfile)).Replace('\\', '/');
        if (!relative.StartsWith("../", StringComparison.Ordinal) && relative != ".." && !Path.IsPathRooted(relative) && matcher.MatchesOrParentMatches(relative))
        {
            yield return "!" + relative;
        }
    }

    private static string RelativeName(string context, string file)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(context), Path.GetFullPath(file));
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.GetFileName(file) : relative.Replace('\\', '/');
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
