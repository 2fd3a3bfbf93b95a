using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Server;

/// <summary>
/// The online GC: deletes blobs nothing in the store references, except those touched (uploaded,
/// checked, mounted, named by a manifest being pushed) within the grace window, those whose file is
/// younger than it (another process's writer), and every blob during the first grace window after the
/// server started (leases of the previous run are not known). The mark runs without a lock; each
/// delete re-checks the lease under <see cref="BlobLeases.Gate"/>, which a manifest push holds from
/// its blob check to its tag, so a push that found its blobs present keeps them.
/// </summary>
internal sealed class OnlineCollector(FileSystemCacheStore store, BlobLeases leases, ServerMetrics metrics, TimeSpan grace, TimeProvider clock, TextWriter? log)
{
    private readonly long _started = clock.GetTimestamp();
    private readonly FileSystemBlobStore _blobs = (FileSystemBlobStore)store.Blobs;

    /// <summary>Counts the store's blobs for <c>/metrics</c>.</summary>
    public async Task CountAsync(CancellationToken cancellationToken)
    {
        long count = 0, bytes = 0;
        await foreach (var blob in _blobs.ListAsync(cancellationToken))
        {
            count++;
            bytes += blob.Size;
        }

        metrics.Stored = (count, bytes, clock.GetTimestamp());
    }

    /// <summary>One pass; returns the blobs deleted.</summary>
    public async Task<int> CollectAsync(CancellationToken cancellationToken)
    {
        var scan = await ReachabilityScan.ScanAsync(store, cancellationToken);
        leases.Expire(grace);
        int deleted = 0;
        long freed = 0;
        if (clock.GetElapsedTime(_started) >= grace)
        {
            foreach (var blob in scan.Unreachable)
            {
                if (leases.IsFresh(blob.Digest, grace) || IsYoung(blob.Digest))
                {
                    continue;
                }

                await leases.Gate.WaitAsync(cancellationToken);
                try
                {
                    if (!leases.IsFresh(blob.Digest, grace) && await _blobs.DeleteAsync(blob.Digest, cancellationToken))
                    {
                        deleted++;
                        freed += blob.Size;
                    }
                }
                finally
                {
                    leases.Gate.Release();
                }
            }
        }

        metrics.CountGc(deleted, freed);
        metrics.Stored = (scan.BlobCount - deleted, scan.BlobBytes - freed, clock.GetTimestamp());
        if (deleted > 0)
        {
            log?.WriteLine($"ts={DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} event=gc deleted={deleted} freed={freed} unreachable={scan.Unreachable.Count} blobs={scan.BlobCount}");
        }

        return deleted;
    }

    // A file written within the grace window (by wall clock) may be another process's unpublished blob.
    private bool IsYoung(Digest digest)
    {
        try
        {
            var written = File.GetLastWriteTimeUtc(_blobs.GetBlobPath(digest));
            return clock.GetUtcNow().UtcDateTime - written < grace;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
