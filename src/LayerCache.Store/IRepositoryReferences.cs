using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Registry repositories over content-addressed blobs: which manifests a repository holds and what
/// its tags point at. <c>layercache serve</c> keeps them in the store (<see cref="RepositoryReferences"/>);
/// the in-process bridge keeps them in memory for one run, so the user's store gains no references.
/// </summary>
public interface IRepositoryReferences
{
    /// <summary>The manifest <paramref name="tag"/> of <paramref name="repository"/> points at, or null.</summary>
    Task<Descriptor?> ResolveTagAsync(string repository, string tag, CancellationToken cancellationToken);

    /// <summary>The manifest <paramref name="digest"/> when it is in <paramref name="repository"/>, or null.</summary>
    Task<Descriptor?> ResolveManifestAsync(string repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="manifest"/> (already a blob of the store) is in <paramref name="repository"/>.</summary>
    Task AddManifestAsync(string repository, Descriptor manifest, Digest? subject, CancellationToken cancellationToken);

    /// <summary>Points <paramref name="tag"/> of <paramref name="repository"/> at <paramref name="manifest"/>.</summary>
    Task TagAsync(string repository, string tag, Descriptor manifest, CancellationToken cancellationToken);

    /// <summary>
    /// Every reference of <paramref name="repository"/>: tags (annotated with
    /// <see cref="RepositoryReferences.TagAnnotation"/>) and manifests (with <see cref="RepositoryReferences.SubjectAnnotation"/> when they have one).
    /// </summary>
    IAsyncEnumerable<Descriptor> ListAsync(string repository, CancellationToken cancellationToken);

    /// <summary>The tags of <paramref name="repository"/>, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Whether anything was ever pushed to <paramref name="repository"/> (and not deleted).</summary>
    Task<bool> ExistsAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="tag"/> of <paramref name="repository"/>; false when there was none.</summary>
    Task<bool> UntagAsync(string repository, string tag, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="manifest"/> from <paramref name="repository"/> with every tag that points at it; false when it was not there.</summary>
    Task<bool> RemoveManifestAsync(string repository, Digest manifest, CancellationToken cancellationToken);
}
