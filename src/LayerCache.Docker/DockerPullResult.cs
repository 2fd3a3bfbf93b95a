using LayerCache.Oci;

namespace LayerCache.Docker;

/// <summary>What a pull reported.</summary>
/// <param name="Reference">The reference pulled (repository and tag or digest).</param>
/// <param name="Digest">The manifest digest, if the engine reported it.</param>
/// <param name="Downloaded">True when new content was downloaded; false when the image was up to date.</param>
public sealed record DockerPullResult(string Reference, Digest? Digest, bool Downloaded);
