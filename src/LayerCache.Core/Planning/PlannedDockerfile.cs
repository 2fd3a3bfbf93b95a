using LayerCache.Dockerfile;
using LayerCache.Oci;

namespace LayerCache.Core.Planning;

/// <summary>A parsed Dockerfile: where it came from, the digest of its bytes (a key input) and its stage plan.</summary>
public sealed record PlannedDockerfile(string Path, Digest Digest, BuildPlan Plan)
{
    /// <summary>The ARG instructions before the first FROM: the classic builder prints and numbers each as a step.</summary>
    public int MetaArgSteps { get; init; }
}
