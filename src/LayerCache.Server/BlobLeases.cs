using System.Collections.Concurrent;
using LayerCache.Oci;

namespace LayerCache.Server;

/// <summary>
/// When each blob was last uploaded, checked (HEAD/GET), mounted or referenced by a manifest being
/// pushed, by this process's clock (a file's date is not trusted alone). The online GC spares a blob
/// touched within the grace window, and <see cref="Gate"/> makes its delete and a manifest push's
/// "touch, check the blobs, tag" exclusive, so a blob a push found present cannot vanish before the
/// push references it: the race Distribution's offline GC has.
/// </summary>
internal sealed class BlobLeases(TimeProvider clock)
{
    private readonly ConcurrentDictionary<Digest, long> _touched = new();

    /// <summary>Held by a manifest push from its first blob check to its tag, and by the GC around each delete.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public void Touch(Digest digest) => _touched[digest] = clock.GetTimestamp();

    public bool IsFresh(Digest digest, TimeSpan grace) =>
        _touched.TryGetValue(digest, out var at) && clock.GetElapsedTime(at) < grace;

    /// <summary>Forgets leases older than <paramref name="grace"/> (they protect nothing any more).</summary>
    public void Expire(TimeSpan grace)
    {
        foreach (var (digest, at) in _touched)
        {
            if (clock.GetElapsedTime(at) >= grace)
            {
                _touched.TryRemove(new KeyValuePair<Digest, long>(digest, at));
            }
        }
    }
}
