using LayerCache.Oci;

namespace LayerCache.Core.Inputs;

/// <summary>The inputs digest and what the context walk covered.</summary>
public sealed record BuildInputsResult(Digest Digest, ContextDigestResult Context);
