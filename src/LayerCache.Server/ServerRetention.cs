using System.Globalization;
using LayerCache.Oci;
using LayerCache.Registry.Store;
using LayerCache.Store;

namespace LayerCache.Server;

/// <summary>
/// Retention of a team server: the cache entries registry stores push (tags <c>SCOPE.yyyyMMddTHHmmssZ</c>
/// on an index of stage manifests) are removed when not pulled for <see cref="ServerOptions.KeepFor"/>,
/// and then, least recently pulled first, while the store holds more than <see cref="ServerOptions.MaxSize"/>.
/// The newest entry of each scope of each repository is always kept (the one the next build
/// restores), and tags of any other shape (images people push) are never touched. Removing an entry
/// untags it and forgets the stage manifests only it referenced; the online GC then collects their
/// blobs once the grace window has passed.
/// </summary>
internal sealed class ServerRetention(FileSystemCacheStore store, RepositoryReferences repositories, EntryUsage usage, ServerOptions options)
{
    private sealed record Entry(string Repository, string Tag, string ScopePart, Descriptor Index, DateTimeOffset LastUsed);

    /// <summary>One pass; returns the entries removed, as <c>REPOSITORY:TAG</c>.</summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(CancellationToken cancellationToken)
    {
        if (options.KeepFor is null && options.MaxSize is null)
        {
            return [];
        }

        var now = options.Clock.GetUtcNow();
        var entries = new List<Entry>();
        await foreach (var tag in repositories.ListEveryTagAsync(cancellationToken))
        {
            var repository = tag.GetAnnotation(RepositoryReferences.RepositoryAnnotation)!;
            var name = tag.GetAnnotation(RepositoryReferences.TagAnnotation)!;
            if (tag.MediaType == MediaType.OciImageIndex && EntryTags.TryParse(name, out var scopePart))
            {
                entries.Add(new Entry(repository, name, scopePart, tag, usage.LastUsed(repository, tag.Digest)));
            }
        }

        // The newest of each scope (entry tags sort by their time stamp within a scope) is never a candidate.
        var current = entries.GroupBy(e => (e.Repository, e.ScopePart)).Select(g => g.MaxBy(e => e.Tag, StringComparer.Ordinal)!).ToHashSet();
        var candidates = entries.Where(e => !current.Contains(e)).OrderBy(e => e.LastUsed).ThenBy(e => e.Tag, StringComparer.Ordinal).ToList();
        var removed = new List<string>();

        // Removals only shrink the store: once it is within the size, it stays within it for this pass.
        var withinSize = options.MaxSize is null;
        foreach (var entry in candidates)
        {
            var expired = options.KeepFor is { } keepFor && now - entry.LastUsed > keepFor;
            if (!expired && !withinSize)
            {
                withinSize = await ReachableBytesAsync(cancellationToken) <= options.MaxSize;
            }

            if (!expired && withinSize)
            {
                // Candidates are in order of last use: when this one stays, so do the ones after it, unless expired.
                if (options.KeepFor is null)
                {
                    break;
                }

                continue;
            }

            await RemoveAsync(entry, cancellationToken);
            removed.Add($"{entry.Repository}:{entry.Tag}");
        }

        return removed;
    }

    /// <summary>What the store holds once the GC has collected what nothing references.</summary>
    private async Task<long> ReachableBytesAsync(CancellationToken cancellationToken)
    {
        var scan = await ReachabilityScan.ScanAsync(store, cancellationToken);
        return scan.BlobBytes - scan.Unreachable.Sum(b => b.Size);
    }

    /// <summary>Untags the entry, and forgets its index and the stage manifests no remaining entry of the repository references.</summary>
    private async Task RemoveAsync(Entry entry, CancellationToken cancellationToken)
    {
        await repositories.UntagAsync(entry.Repository, entry.Tag, cancellationToken);

        // Kept: whatever any other tag of the repository reaches (an entry's, or an image someone tagged).
        var graph = new ContentGraph(store.Blobs);
        var kept = new HashSet<Digest>();
        await foreach (var tag in repositories.ListAsync(entry.Repository, cancellationToken))
        {
            if (tag.GetAnnotation(RepositoryReferences.TagAnnotation) is not null)
            {
                kept.UnionWith((await graph.ClosureAsync(tag, cancellationToken)).Keys);
            }
        }

        foreach (var (digest, descriptor) in await graph.ClosureAsync(entry.Index, cancellationToken))
        {
            if (!kept.Contains(digest) && (MediaType.IsManifest(descriptor.MediaType) || MediaType.IsIndex(descriptor.MediaType)))
            {
                await repositories.RemoveManifestAsync(entry.Repository, digest, cancellationToken);
            }
        }

        options.Log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ts={DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} event=retention removed={entry.Repository}:{entry.Tag} last-used={entry.LastUsed:yyyy-MM-ddTHH:mm:ssZ}"));
    }
}
