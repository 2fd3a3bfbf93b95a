using LayerCache.Oci;

namespace LayerCache.Core.Inputs;

/// <summary>The digest of a build context and how much it covered (entries other than directories, directories, content bytes).</summary>
public sealed record ContextDigestResult(Digest Digest, long Files, long Directories, long Bytes);
