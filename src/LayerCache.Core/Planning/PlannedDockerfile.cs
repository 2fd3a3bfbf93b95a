using LayerCache.Dockerfile;
using LayerCache.Oci;

namespace LayerCache.Core.Planning;

/// <summary>A parsed Dockerfile: where it came from, the digest of its bytes (a key input) and its stage plan.</summary>
public sealed record PlannedDockerfile(string Path, Digest Digest, BuildPlan Plan);
