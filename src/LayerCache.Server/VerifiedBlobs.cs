using System.Collections.Concurrent;
using LayerCache.Oci;

namespace LayerCache.Server;

/// <summary>
/// Blob files this process has read to the end and found matching their digest, with the
/// <see cref="FileStamp"/> (device, inode, size, change and write times) they had when opened. A later read of the same unchanged file is served without
/// hashing it again (and a range is a seek, not a read-through): a team server sends one layer to
/// every agent, and re-hashing each copy made it CPU-bound at a third of Distribution's pull rate.
/// Any write to the file changes its change time (which nothing can set back), and a replaced file has
/// another inode, so either starts unverified again; clients verify the digest of what they receive too.
/// </summary>
internal sealed class VerifiedBlobs
{
    // A bound, so a store of millions of blobs cannot grow this without limit: past it, start over.
    private const int MaxRemembered = 1 << 20;

    private readonly ConcurrentDictionary<Digest, FileStamp> _verified = new();

    /// <summary>True when the file stamped <paramref name="stamp"/> is the one verified as <paramref name="digest"/>, unchanged.</summary>
    public bool Matches(Digest digest, FileStamp stamp) => _verified.TryGetValue(digest, out var known) && known == stamp;

    /// <summary>Records that the file of <paramref name="digest"/>, stamped <paramref name="stamp"/> when opened, was verified.</summary>
    public void Remember(Digest digest, FileStamp stamp)
    {
        if (_verified.Count >= MaxRemembered)
        {
            _verified.Clear();
        }

        _verified[digest] = stamp;
    }

    /// <summary>Forgets a blob (deleted, or found changed).</summary>
    public void Forget(Digest digest) => _verified.TryRemove(digest, out _);
}
