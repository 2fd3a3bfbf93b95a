using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Tags: names that point at a manifest or index descriptor (a registry's tags; the directory store's
/// <c>org.opencontainers.image.ref.name</c> in <c>index.json</c>). Entries are written once over them.
/// </summary>
public interface IReferenceStore
{
    /// <summary>The descriptor <paramref name="tag"/> points at, or null when there is no such tag.</summary>
    Task<Descriptor?> ResolveAsync(string tag, CancellationToken cancellationToken);

    /// <summary>
    /// Points <paramref name="tag"/> at <paramref name="target"/> (the document must already be a blob of
    /// the store, or, for a registry, be pushed as a manifest by this call's implementation).
    /// </summary>
    /// <exception cref="StoreException">The tag is malformed (<see cref="StoreErrorKind.Invalid"/>) or the target is missing.</exception>
    Task TagAsync(string tag, Descriptor target, CancellationToken cancellationToken);

    /// <summary>Every tag of the store, in no particular order.</summary>
    IAsyncEnumerable<string> ListTagsAsync(CancellationToken cancellationToken);
}
