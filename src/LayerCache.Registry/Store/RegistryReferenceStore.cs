using System.Runtime.CompilerServices;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>
/// The repository's tags. Tagging pushes the target document as a manifest under the tag (a registry's
/// tags point at manifests, not blobs); entry tags (<see cref="EntryTags"/>) belong to the store and are
/// refused here. No <see cref="IReferenceDeleter"/>: the distribution API deletes manifests by digest
/// (which would take every tag and any entry referencing it along), and a tag alone only on registries
/// that implement the OCI 1.1 tag delete (Distribution 2.8 does not).
/// </summary>
internal sealed class RegistryReferenceStore(RegistryBlobStore blobs, string location) : IReferenceStore
{
    private const int TagPageSize = 1000;

    private RegistryClient Client => blobs.Client;

    private string Repository => blobs.Repository;

    /// <inheritdoc/>
    public Task<Descriptor?> ResolveAsync(string tag, CancellationToken cancellationToken)
    {
        CheckTag(tag);
        return RegistryStoreErrors.CallAsync(location, () => Client.HeadManifestAsync(Repository, tag, cancellationToken));
    }

    /// <inheritdoc/>
    public async Task TagAsync(string tag, Descriptor target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        CheckTag(tag);
        RefuseEntryTag(tag);
        await PutAsync(tag, target, cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<string> ListTagsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var tags = Client.ListTagsAsync(Repository, TagPageSize, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await tags.MoveNextAsync();
            }
            catch (RegistryException e)
            {
                throw RegistryStoreErrors.Translate(e, location);
            }

            if (!more)
            {
                yield break;
            }

            yield return tags.Current;
        }
    }

    /// <summary>Pushes the document <paramref name="target"/> names as a manifest under <paramref name="reference"/> (a tag or its digest).</summary>
    internal async Task<Descriptor> PutAsync(string reference, Descriptor target, CancellationToken cancellationToken)
    {
        if (!MediaType.IsManifest(target.MediaType) && !MediaType.IsIndex(target.MediaType))
        {
            throw new StoreException(StoreErrorKind.Invalid, $"{location}: a tag points at a manifest or index, not a {target.MediaType}", null);
        }

        byte[] content;
        try
        {
            content = await blobs.ReadDocumentAsync(target.Digest, cancellationToken);
        }
        catch (BlobNotFoundException e)
        {
            throw new StoreException(StoreErrorKind.NotFound, $"{location}: the tag's target {target.Digest} is not in the repository", e);
        }

        return await RegistryStoreErrors.CallAsync(location, () => Client.PutManifestAsync(Repository, reference, target.MediaType, content, cancellationToken));
    }

    private void RefuseEntryTag(string tag)
    {
        if (EntryTags.IsEntryTag(tag))
        {
            throw new StoreException(StoreErrorKind.Invalid, $"{location}: tag \"{tag}\" names a cache entry, which only the store changes", null);
        }
    }

    private void CheckTag(string tag)
    {
        if (!ImageReference.IsValidTag(tag))
        {
            throw new StoreException(StoreErrorKind.Invalid, $"{location}: invalid tag \"{tag}\": expected up to 128 of [A-Za-z0-9_.-], not starting with . or -", null);
        }
    }
}
