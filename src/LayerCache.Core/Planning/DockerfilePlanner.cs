using LayerCache.Dockerfile;

namespace LayerCache.Core.Planning;

/// <summary>Reads a Dockerfile from disk and plans its stages; a missing file is bad input, not a crash.</summary>
public static class DockerfilePlanner
{
    /// <summary>Parses the Dockerfile and plans the stages <paramref name="target"/> needs.</summary>
    /// <exception cref="InvalidInputException">The file is missing or unreadable.</exception>
    /// <exception cref="DockerfileException">The Dockerfile is malformed (the message names file and line).</exception>
    public static async Task<PlannedDockerfile> PlanAsync(string dockerfile, string? target, IReadOnlyDictionary<string, string> buildArgs, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(dockerfile, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidInputException($"{dockerfile}: Dockerfile not found", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidInputException($"{dockerfile}: cannot read the Dockerfile: {e.Message}", e);
        }
        catch (IOException e) when (Directory.Exists(dockerfile))
        {
            throw new InvalidInputException($"{dockerfile}: is a directory, not a Dockerfile", e);
        }

        var syntax = DockerfileParser.Parse(System.Text.Encoding.UTF8.GetString(bytes), dockerfile);
        var plan = StageGraph.Plan(syntax, target, buildArgs);
        return new PlannedDockerfile(dockerfile, Oci.Digest.Compute(bytes), plan);
    }
}
