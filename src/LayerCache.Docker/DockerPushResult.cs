using LayerCache.Oci;

namespace LayerCache.Docker;

/// <summary>What a push reported for the pushed tag: the registry manifest digest and its size.</summary>
/// <param name="Tag">The tag pushed.</param>
/// <param name="Digest">The manifest digest the registry now serves.</param>
/// <param name="Size">The manifest size in bytes.</param>
public sealed record DockerPushResult(string Tag, Digest Digest, long Size);
