using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>Applies a <see cref="RetentionPolicy"/> to a set of entries (see its documentation for the rules).</summary>
internal static class Retention
{
    /// <summary>The ids of the entries the policy keeps.</summary>
    public static async Task<HashSet<Digest>> ApplyAsync(
        RetentionPolicy policy, DateTimeOffset now, IReadOnlyList<CacheEntry> entries, ContentGraph graph, CancellationToken cancellationToken)
    {
        var kept = Keep(policy, now, entries);
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

            var protectedIds = ProtectedIds(policy, now, entries);
            var candidates = kept
                .Where(e => !protectedIds.Contains(e.Id))
                .OrderBy(e => !EntryDates.IsInFuture(e.Created, now))
                .ThenBy(e => EntryDates.EffectiveLastUsed(e.LastUsed, e.Created, now))
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

    /// <summary>
    /// The entries the policy's keep rules (<see cref="RetentionPolicy.KeepCurrent"/>,
    /// <see cref="RetentionPolicy.KeepFor"/>) keep, before <see cref="RetentionPolicy.MaxSize"/>. "Current"
    /// is the newest entry of each identity (scope and image), so two Dockerfiles or targets of one
    /// branch never evict each other. An entry created in the future (beyond the clock-skew allowance)
    /// is invalid: it is never current and never recent, so it cannot push a legitimate entry out.
    /// </summary>
    public static List<CacheEntry> Keep(RetentionPolicy policy, DateTimeOffset now, IReadOnlyList<CacheEntry> entries)
    {
        var newest = NewestByIdentity(now, entries);
        var protectedIds = ProtectedIds(policy, now, entries);
        return entries.Where(e =>
            protectedIds.Contains(e.Id)
            || ((!policy.KeepCurrent || (newest.TryGetValue((e.Scope, e.Image), out var current) && current.Id == e.Id))
                && (policy.KeepFor is not { } keepFor
                    || (!EntryDates.IsInFuture(e.Created, now) && EntryDates.EffectiveLastUsed(e.LastUsed, e.Created, now) >= now - keepFor)))).ToList();
    }

    /// <summary>The newest valid (not future-dated) entry of each identity.</summary>
    private static Dictionary<(CacheScope Scope, ImageIdentity Image), CacheEntry> NewestByIdentity(DateTimeOffset now, IReadOnlyList<CacheEntry> entries) =>
        entries
            .Where(e => !EntryDates.IsInFuture(e.Created, now))
            .GroupBy(e => (e.Scope, e.Image))
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e, NewestFirst.Instance).First());

    /// <summary>The newest valid entry of each image of the protected scope (of the protected image only, when one is set).</summary>
    private static HashSet<Digest> ProtectedIds(RetentionPolicy policy, DateTimeOffset now, IReadOnlyList<CacheEntry> entries) =>
        policy.ProtectedScope is not { } scope
            ? []
            : [.. NewestByIdentity(now, entries)
                .Where(p => p.Key.Scope == scope && (policy.ProtectedImage is null || p.Key.Image == policy.ProtectedImage))
                .Select(p => p.Value.Id)];

    /// <summary>The bytes of every blob <paramref name="entries"/> reach, each shared blob counted once.</summary>
    public static async Task<long> SizeOfAsync(IEnumerable<CacheEntry> entries, ContentGraph graph, CancellationToken cancellationToken)
    {
        var sizes = new Dictionary<Digest, long>();
        foreach (var entry in entries)
        {
            foreach (var (digest, size) in await EntryBlobsAsync(entry, graph, cancellationToken))
            {
                sizes[digest] = size;
            }
        }

        return sizes.Values.Sum();
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
