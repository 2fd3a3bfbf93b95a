using LayerCache.Oci;

namespace LayerCache.Registry.Client;

/// <summary>A reference resolved to the manifest for one platform.</summary>
/// <param name="Manifest">The platform's image manifest descriptor (its digest is what <c>docker pull</c> ends up with for that platform).</param>
/// <param name="Index">The index or manifest list the reference named, when it named one; null for a single-platform image.</param>
public sealed record ResolvedImage(Descriptor Manifest, Descriptor? Index);
