using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// The directory store's tags: the <c>org.opencontainers.image.ref.name</c> of the descriptors in
/// <c>index.json</c>, changed under the index lock like every other index update. Entries and stage
/// aliases are ref names the store manages itself: they resolve and list like any tag, but
/// <see cref="TagAsync"/> and <see cref="UntagAsync"/> refuse to overwrite or remove them.
/// </summary>
internal sealed partial class IndexReferences(FileSystemBlobStore blobs, StoreIndexFile index) : IReferenceStore, IReferenceDeleter
{
    /// <inheritdoc/>
    public async Task<Descriptor?> ResolveAsync(string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var document = await index.ReadAsync(cancellationToken);
        return document.Manifests.LastOrDefault(d => d.GetAnnotation(AnnotationKeys.RefName) == tag);
    }

    /// <inheritdoc/>
    public async Task TagAsync(string tag, Descriptor target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        Validate(tag);
        if (await blobs.StatAsync(target.Digest, cancellationToken) is not { } stored || stored.Size != target.Size)
        {
            throw new BlobNotFoundException(target.Digest, blobs.GetBlobPath(target.Digest));
        }

        var annotations = new Dictionary<string, string>(target.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [AnnotationKeys.RefName] = tag,
        };
        annotations.Remove(StoreAnnotations.Kind);
        var tagged = target with { Annotations = annotations };
        await index.UpdateAsync(
            document =>
            {
                RefuseManaged(document, tag);
                var others = document.Manifests.Where(d => d.GetAnnotation(AnnotationKeys.RefName) != tag);
                return document with { Manifests = [.. others, tagged] };
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<string> ListTagsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var document = await index.ReadAsync(cancellationToken);
        foreach (var name in document.Manifests.Select(d => d.GetAnnotation(AnnotationKeys.RefName)).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            yield return name;
        }
    }

    /// <inheritdoc/>
    public async Task<bool> UntagAsync(string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var found = false;
        await index.UpdateAsync(
            document =>
            {
                RefuseManaged(document, tag);
                var kept = document.Manifests.Where(d => d.GetAnnotation(AnnotationKeys.RefName) != tag).ToList();
                found = kept.Count != document.Manifests.Count;
                return found ? document with { Manifests = kept } : null;
            },
            cancellationToken);
        return found;
    }

    private static void RefuseManaged(ImageIndex document, string tag)
    {
        if (document.Manifests.Any(d => d.GetAnnotation(AnnotationKeys.RefName) == tag && (IndexEditor.IsEntry(d) || IndexEditor.IsAlias(d))))
        {
            throw new StoreException(StoreErrorKind.Invalid, $"tag \"{tag}\" names a cache entry or stage alias, which only the store changes", null);
        }
    }

    private static void Validate(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (!TagPattern().IsMatch(tag))
        {
            throw new StoreException(StoreErrorKind.Invalid, $"invalid tag \"{tag}\": expected up to 128 of [A-Za-z0-9_.-], not starting with . or -", null);
        }
    }

    // The distribution spec's tag grammar, which every store's tags keep to.
    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();
}
