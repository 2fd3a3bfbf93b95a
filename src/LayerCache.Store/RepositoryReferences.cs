using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Registry repositories over a store's single reference namespace (what <c>layercache serve</c>
/// needs): a tag of a repository, and the membership of a manifest in a repository (so a manifest
/// pushed by digest is kept and found), are each one reference whose name is a hash of the pair,
/// <c>lcsrv-t-HEX</c> / <c>lcsrv-m-HEX</c> (injective as SHA-256 is collision resistant, and always
/// within the store's tag grammar whatever the repository's length). The pair itself is in the
/// descriptor's annotations, which listing reads; the repository name never becomes a path.
/// </summary>
public sealed class RepositoryReferences : IRepositoryReferences
{
    /// <summary>The repository a reference belongs to.</summary>
    public const string RepositoryAnnotation = "io.layercache.server.repository";

    /// <summary>The tag a tag reference stands for.</summary>
    public const string TagAnnotation = "io.layercache.server.tag";

    /// <summary>The digest of the manifest's <c>subject</c>, for the referrers API.</summary>
    public const string SubjectAnnotation = "io.layercache.server.subject";

    /// <summary>The prefix of every reference name this class writes.</summary>
    public const string Prefix = "lcsrv-";

    private const string TagPrefix = Prefix + "t-";
    private const string ManifestPrefix = Prefix + "m-";

    private readonly IReferenceStore _references;
    private readonly Func<CancellationToken, Task<IReadOnlyList<Descriptor>>>? _snapshot;

    /// <summary>Over <paramref name="store"/>'s references; a directory store's are listed from one read of its index.</summary>
    public RepositoryReferences(ICacheStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _references = store.References;
        if (store.Blobs is FileSystemBlobStore files)
        {
            _snapshot = async cancellationToken => (await files.Layout.ReadIndexAsync(cancellationToken)).Manifests;
        }
    }

    /// <summary>The reference name of <paramref name="tag"/> in <paramref name="repository"/>.</summary>
    public static string TagRefName(string repository, string tag) => TagPrefix + Hash('t', repository, tag);

    /// <summary>The reference name that says <paramref name="manifest"/> is in <paramref name="repository"/>.</summary>
    public static string ManifestRefName(string repository, Digest manifest) => ManifestPrefix + Hash('m', repository, manifest.Value);

    /// <summary>The manifest <paramref name="tag"/> of <paramref name="repository"/> points at, or null.</summary>
    public async Task<Descriptor?> ResolveTagAsync(string repository, string tag, CancellationToken cancellationToken)
    {
        var found = await _references.ResolveAsync(TagRefName(repository, tag), cancellationToken);
        return found is not null && found.GetAnnotation(RepositoryAnnotation) == repository && found.GetAnnotation(TagAnnotation) == tag ? found : null;
    }

    /// <summary>The manifest <paramref name="digest"/> when it was pushed to <paramref name="repository"/>, or null.</summary>
    public async Task<Descriptor?> ResolveManifestAsync(string repository, Digest digest, CancellationToken cancellationToken)
    {
        var found = await _references.ResolveAsync(ManifestRefName(repository, digest), cancellationToken);
        return found is not null && found.GetAnnotation(RepositoryAnnotation) == repository && found.Digest == digest ? found : null;
    }

    /// <summary>Records that <paramref name="manifest"/> (already a blob of the store) is in <paramref name="repository"/>.</summary>
    public Task AddManifestAsync(string repository, Descriptor manifest, Digest? subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var annotated = manifest.WithAnnotation(RepositoryAnnotation, repository);
        if (subject is { } s)
        {
            annotated = annotated.WithAnnotation(SubjectAnnotation, s.Value);
        }

        return _references.TagAsync(ManifestRefName(repository, manifest.Digest), annotated, cancellationToken);
    }

    /// <summary>Points <paramref name="tag"/> of <paramref name="repository"/> at <paramref name="manifest"/>.</summary>
    public Task TagAsync(string repository, string tag, Descriptor manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var annotated = manifest.WithAnnotation(RepositoryAnnotation, repository).WithAnnotation(TagAnnotation, tag);
        return _references.TagAsync(TagRefName(repository, tag), annotated, cancellationToken);
    }

    /// <summary>Every reference of <paramref name="repository"/>: tags (with <see cref="TagAnnotation"/>) and manifests.</summary>
    public async IAsyncEnumerable<Descriptor> ListAsync(string repository, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var descriptor in await SnapshotAsync(cancellationToken))
        {
            if (descriptor.GetAnnotation(RepositoryAnnotation) == repository && descriptor.GetAnnotation(AnnotationKeys.RefName) is { } name
                && (name == ManifestRefName(repository, descriptor.Digest)
                    || (descriptor.GetAnnotation(TagAnnotation) is { } tag && name == TagRefName(repository, tag))))
            {
                yield return descriptor;
            }
        }
    }

    /// <summary>Every reference of every repository (tags and manifests), each annotated with its repository.</summary>
    public async IAsyncEnumerable<Descriptor> ListEveryAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var descriptor in await SnapshotAsync(cancellationToken))
        {
            if (descriptor.GetAnnotation(RepositoryAnnotation) is { } repository && descriptor.GetAnnotation(AnnotationKeys.RefName) is { } name
                && (name == ManifestRefName(repository, descriptor.Digest)
                    || (descriptor.GetAnnotation(TagAnnotation) is { } tag && name == TagRefName(repository, tag))))
            {
                yield return descriptor;
            }
        }
    }

    /// <summary>Every tag of every repository (with <see cref="RepositoryAnnotation"/> and <see cref="TagAnnotation"/>).</summary>
    public async IAsyncEnumerable<Descriptor> ListEveryTagAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var descriptor in ListEveryAsync(cancellationToken))
        {
            if (descriptor.GetAnnotation(TagAnnotation) is not null)
            {
                yield return descriptor;
            }
        }
    }

    /// <summary>The tags of <paramref name="repository"/>, in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken)
    {
        var tags = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var descriptor in ListAsync(repository, cancellationToken))
        {
            if (descriptor.GetAnnotation(TagAnnotation) is { } tag)
            {
                tags.Add(tag);
            }
        }

        return [.. tags];
    }

    /// <summary>Whether anything was ever pushed to <paramref name="repository"/> (and not deleted).</summary>
    public async Task<bool> ExistsAsync(string repository, CancellationToken cancellationToken)
    {
        await foreach (var unused in ListAsync(repository, cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>Removes <paramref name="tag"/> of <paramref name="repository"/>; false when there was none.</summary>
    public Task<bool> UntagAsync(string repository, string tag, CancellationToken cancellationToken) =>
        Deleter.UntagAsync(TagRefName(repository, tag), cancellationToken);

    /// <summary>Removes <paramref name="manifest"/> from <paramref name="repository"/> with every tag that points at it; false when it was not there.</summary>
    public async Task<bool> RemoveManifestAsync(string repository, Digest manifest, CancellationToken cancellationToken)
    {
        var removed = false;
        var names = new List<string>();
        await foreach (var descriptor in ListAsync(repository, cancellationToken))
        {
            if (descriptor.Digest == manifest && descriptor.GetAnnotation(AnnotationKeys.RefName) is { } name)
            {
                names.Add(name);
            }
        }

        foreach (var name in names)
        {
            removed |= await Deleter.UntagAsync(name, cancellationToken);
        }

        return removed;
    }

    private IReferenceDeleter Deleter => _references as IReferenceDeleter
        ?? throw new StoreException(StoreErrorKind.Unsupported, "this store cannot remove references", null);

    private async Task<IReadOnlyList<Descriptor>> SnapshotAsync(CancellationToken cancellationToken)
    {
        if (_snapshot is not null)
        {
            return await _snapshot(cancellationToken);
        }

        var result = new List<Descriptor>();
        await foreach (var name in _references.ListTagsAsync(cancellationToken))
        {
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && await _references.ResolveAsync(name, cancellationToken) is { } found)
            {
                result.Add(found.WithAnnotation(AnnotationKeys.RefName, name));
            }
        }

        return result;
    }

    // Neither a repository name nor a tag nor a digest contains a newline, so the joined text is injective.
    private static string Hash(char kind, string repository, string name) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{repository}\n{name}")));
}
