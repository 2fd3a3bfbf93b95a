using System.Collections.Concurrent;
using LayerCache.Oci;

namespace LayerCache.Server;

/// <summary>
/// When each manifest of each repository was last pulled (a GET), and when the server first saw it,
/// for server-side retention. Kept in memory only: after a restart every manifest counts as used at
/// the restart, so a restart can delay a removal but never bring one forward, and nothing a client
/// wrote (no date in a tag, no file in the store) decides how old an entry is.
/// </summary>
internal sealed class EntryUsage(TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string Repository, Digest Manifest), DateTimeOffset> _used = new();

    /// <summary>Records a pull of <paramref name="manifest"/> from <paramref name="repository"/> now.</summary>
    public void Touch(string repository, Digest manifest) => _used[(repository, manifest)] = clock.GetUtcNow();

    /// <summary>The last pull, or the first time this server saw the manifest (recorded now when it had not).</summary>
    public DateTimeOffset LastUsed(string repository, Digest manifest) => _used.GetOrAdd((repository, manifest), _ => clock.GetUtcNow());
}
