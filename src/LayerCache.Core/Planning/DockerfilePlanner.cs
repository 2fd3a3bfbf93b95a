using LayerCache.Core.Inputs;
using LayerCache.Dockerfile;

namespace LayerCache.Core.Planning;

/// <summary>Reads a Dockerfile from disk and plans its stages; a missing file is bad input, not a crash.</summary>
public static class DockerfilePlanner
{
    /// <summary>Parses the Dockerfile and plans the stages <paramref name="target"/> needs.</summary>
    /// <exception cref="InvalidInputException">The file is missing, unreadable, not a regular file or too large.</exception>
    /// <exception cref="DockerfileException">The Dockerfile is malformed (the message names file and line).</exception>
    public static async Task<PlannedDockerfile> PlanAsync(string dockerfile, string? target, IReadOnlyDictionary<string, string> buildArgs, CancellationToken cancellationToken)
    {
        // Bounded and regular-only: a FIFO or /dev/zero given as -f must be one error line, not a hang.
        var bytes = await InputFile.ReadAllBytesAsync(dockerfile, "Dockerfile", InputFile.MaxDocumentBytes, cancellationToken);
        var syntax = DockerfileParser.Parse(System.Text.Encoding.UTF8.GetString(bytes), dockerfile);
        var plan = StageGraph.Plan(syntax, target, buildArgs);
        return new PlannedDockerfile(dockerfile, Oci.Digest.Compute(bytes), plan)
        {
            MetaArgSteps = syntax.Instructions.TakeWhile(i => i.Keyword != "from").Count(i => i.Keyword == "arg"),
        };
    }
}
