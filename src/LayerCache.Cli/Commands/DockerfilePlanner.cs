using LayerCache.Dockerfile;

namespace LayerCache.Cli.Commands;

/// <summary>Reads a Dockerfile from disk and plans its stages, turning file errors into usage errors.</summary>
internal static class DockerfilePlanner
{
    public static async Task<BuildPlan> PlanAsync(string dockerfile, string? target, IReadOnlyDictionary<string, string> buildArgs, CancellationToken cancellationToken)
    {
        DockerfileSyntax syntax;
        try
        {
            syntax = await DockerfileParser.ParseFileAsync(dockerfile, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"{dockerfile}: Dockerfile not found", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UsageException($"{dockerfile}: cannot read the Dockerfile: {e.Message}", e);
        }

        return StageGraph.Plan(syntax, target, buildArgs);
    }
}
