using System.Diagnostics.CodeAnalysis;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// What <c>index.json</c> says about an entry, without reading its blob. A hint only: anyone who can
/// write the store can write anything here, so scope and created decide nothing until the entry blob
/// (whose digest is the entry id) confirms them; last-used and the signature live only here.
/// </summary>
internal sealed record IndexedEntry(Descriptor Descriptor, string RefName, CacheScope Scope, DateTimeOffset Created, DateTimeOffset LastUsed)
{
    /// <summary>The entry's signature annotation, if any.</summary>
    public string? Signature => Descriptor.GetAnnotation(StoreAnnotations.Signature);

    /// <summary>The entry id.</summary>
    public Digest Id => Descriptor.Digest;

    /// <summary>Reads the facts from an entry descriptor; false when an annotation is missing or malformed.</summary>
    public static bool TryCreate(Descriptor descriptor, [NotNullWhen(true)] out IndexedEntry? entry)
    {
        entry = null;
        if (descriptor.GetAnnotation(AnnotationKeys.RefName) is not { } refName
            || !CacheScope.TryParse(descriptor.GetAnnotation(StoreAnnotations.Scope), out var scope)
            || descriptor.GetAnnotation(StoreAnnotations.Created) is not { } createdText
            || !Rfc3339JsonConverter.TryParse(createdText, out var created))
        {
            return false;
        }

        var lastUsed = descriptor.GetAnnotation(StoreAnnotations.LastUsed) is { } text && Rfc3339JsonConverter.TryParse(text, out var used) && used > created
            ? used
            : created;
        entry = new IndexedEntry(descriptor, refName, scope, created.ToUniversalTime(), lastUsed.ToUniversalTime());
        return true;
    }
}
