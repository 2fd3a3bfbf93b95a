using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>Applies a <see cref="RetentionPolicy"/> to a set of entries (see its documentation for the rules).</summary>
internal static class Retention
{
    /// <summary>The ids of the entries the policy keeps.</summary>
    public static async Task<HashSet<Digest>> ApplyAsync(
        RetentionPolicy policy, DateTimeOffset now, IReadOnlyList<CacheEntry> entries, ContentGraph graph, CancellationToken cancellationToken)
    {
        var newest = entries
            .GroupBy(e => e.Scope)
            .Select(g => g.OrderBy(e => e, NewestFirst.Instance).First())
            .ToDictionary(e => e.Scope);
        Digest? protectedId = policy.ProtectedScope is { } scope && newest.TryGetValue(scope, out var current) ? current.Id : null;

        var kept = entries.Where(e =>
            e.Id == protectedId
            || ((!policy.KeepCurrent || newest[e.Scope].Id == e.Id)
                && (policy.KeepFor is not { } keepFor || e.LastUsed >= now - keepFor))).ToList();

        if (policy.MaxSize is { } maxSize)
        {
            // Reference counts let each drop update the union size without recomputing it.
            var blobs = new Dictionary<Digest, Dictionary<Digest, long>>();
            var references = new Dictionary<Digest, int>();
            long total = 0;
            foreach (var entry in kept)
            {
                var own = await EntryBlobsAsync(entry, graph, cancellationToken);
                blobs[entry.Id] = own;
                foreach (var (digest, size) in own)
                {
                    references[digest] = references.GetValueOrDefault(digest) + 1;
                    if (references[digest] == 1)
                    {
                        total += size;
                    }
                }
            }

            var candidates = kept
                .Where(e => e.Id != protectedId)
                .OrderBy(e => e.LastUsed)
                .ThenBy(e => e.Created)
                .ThenBy(e => e.Id)
                .ToList();
            foreach (var victim in candidates)
            {
                if (total <= maxSize)
                {
                    break;
                }

                kept.Remove(victim);
                foreach (var (digest, size) in blobs[victim.Id])
                {
                    if (--references[digest] == 0)
                    {
                        total -= size;
                    }
                }
            }
        }

        return [.. kept.Select(e => e.Id)];
    }

    /// <summary>The blobs an entry references (its index, manifests, configs, layers) with their sizes.</summary>
    public static async Task<Dictionary<Digest, long>> EntryBlobsAsync(CacheEntry entry, ContentGraph graph, CancellationToken cancellationToken)
    {
        var size = await graph.Blobs.TryGetSizeAsync(entry.Id, cancellationToken) ?? 0;
        var root = new Descriptor { MediaType = MediaType.OciImageIndex, Digest = entry.Id, Size = size };
        var closure = await graph.ClosureAsync(root, cancellationToken);
        return closure.ToDictionary(p => p.Key, p => p.Value.Size);
    }

    /// <summary>Orders entries newest first.</summary>
    private sealed class NewestFirst : IComparer<CacheEntry>
    {
        public static readonly NewestFirst Instance = new();

        public int Compare(CacheEntry? x, CacheEntry? y) =>
            IndexEditor.CompareNewestFirst(x!.Created, x.Id, y!.Created, y.Id);
    }
}
