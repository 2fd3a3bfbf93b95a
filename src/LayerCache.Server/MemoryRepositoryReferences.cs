using System.Runtime.CompilerServices;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Server;

/// <summary>
/// Repositories kept in memory for the life of an in-process bridge: what the engine pushes is
/// tagged here, not in the user's store, so a run that saves nothing leaves the store's references
/// (and its SUMMARY, and so the CI's cache key) as they were. Thread-safe: Kestrel serves requests
/// concurrently.
/// </summary>
internal sealed class MemoryRepositoryReferences : IRepositoryReferences
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Repository, string Tag), Descriptor> _tags = [];
    private readonly Dictionary<(string Repository, Digest Manifest), Descriptor> _manifests = [];

    public Task<Descriptor?> ResolveTagAsync(string repository, string tag, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_tags.GetValueOrDefault((repository, tag)));
        }
    }

    public Task<Descriptor?> ResolveManifestAsync(string repository, Digest digest, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_manifests.GetValueOrDefault((repository, digest)));
        }
    }

    public Task AddManifestAsync(string repository, Descriptor manifest, Digest? subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var annotated = subject is { } s ? manifest.WithAnnotation(RepositoryReferences.SubjectAnnotation, s.Value) : manifest;
        lock (_lock)
        {
            _manifests[(repository, manifest.Digest)] = annotated;
        }

        return Task.CompletedTask;
    }

    public Task TagAsync(string repository, string tag, Descriptor manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        lock (_lock)
        {
            _tags[(repository, tag)] = manifest.WithAnnotation(RepositoryReferences.TagAnnotation, tag);
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<Descriptor> ListAsync(string repository, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<Descriptor> found;
        lock (_lock)
        {
            found = [.. _tags.Where(p => p.Key.Repository == repository).Select(p => p.Value),
                .. _manifests.Where(p => p.Key.Repository == repository).Select(p => p.Value)];
        }

        foreach (var descriptor in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return descriptor;
        }

        await Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<string> tags = [.. _tags.Keys.Where(k => k.Repository == repository).Select(k => k.Tag).Order(StringComparer.Ordinal)];
            return Task.FromResult(tags);
        }
    }

    public Task<bool> ExistsAsync(string repository, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_tags.Keys.Any(k => k.Repository == repository) || _manifests.Keys.Any(k => k.Repository == repository));
        }
    }

    public Task<bool> UntagAsync(string repository, string tag, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_tags.Remove((repository, tag)));
        }
    }

    public Task<bool> RemoveManifestAsync(string repository, Digest manifest, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var removed = _manifests.Remove((repository, manifest));
            foreach (var key in _tags.Where(p => p.Key.Repository == repository && p.Value.Digest == manifest).Select(p => p.Key).ToList())
            {
                removed |= _tags.Remove(key);
            }

            return Task.FromResult(removed);
        }
    }
}
