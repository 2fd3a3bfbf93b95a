using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace LayerCache.Server;

/// <summary>The counters <c>/metrics</c> exposes in the Prometheus text format.</summary>
internal sealed class ServerMetrics
{
    private readonly ConcurrentDictionary<(string Method, int Status), long> _requests = new();
    private long _bytesIn;
    private long _bytesOut;
    private long _gcRuns;
    private long _gcBlobsDeleted;
    private long _gcBytesDeleted;
    private long _uploadsPurged;
    private long _entriesRemoved;

    public int UploadsInProgress { get; set; }

    /// <summary>Blobs and bytes in the store, as the last GC scan (or the scrape's own count) saw them.</summary>
    public (long Blobs, long Bytes, long Timestamp)? Stored { get; set; }

    public void CountRequest(string method, int status) => _requests.AddOrUpdate((method, status), 1, (_, n) => n + 1);

    public void AddBytesIn(long bytes) => Interlocked.Add(ref _bytesIn, bytes);

    public void AddBytesOut(long bytes) => Interlocked.Add(ref _bytesOut, bytes);

    public void CountGc(int blobs, long bytes)
    {
        Interlocked.Increment(ref _gcRuns);
        Interlocked.Add(ref _gcBlobsDeleted, blobs);
        Interlocked.Add(ref _gcBytesDeleted, bytes);
    }

    public void CountPurged(int uploads) => Interlocked.Add(ref _uploadsPurged, uploads);

    public void CountRetention(int entries) => Interlocked.Add(ref _entriesRemoved, entries);

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP layercache_server_requests_total HTTP requests by method and status.\n# TYPE layercache_server_requests_total counter\n");
        foreach (var ((method, status), count) in _requests.OrderBy(p => p.Key.Method, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
        {
            text.Append(CultureInfo.InvariantCulture, $"layercache_server_requests_total{{method=\"{method}\",status=\"{status}\"}} {count}\n");
        }

        Counter(text, "layercache_server_received_bytes_total", "Request body bytes received.", Interlocked.Read(ref _bytesIn));
        Counter(text, "layercache_server_sent_bytes_total", "Blob and manifest bytes sent.", Interlocked.Read(ref _bytesOut));
        Gauge(text, "layercache_server_uploads_in_progress", "Open upload sessions.", UploadsInProgress);
        if (Stored is { } stored)
        {
            Gauge(text, "layercache_server_stored_blobs", "Blobs in the store.", stored.Blobs);
            Gauge(text, "layercache_server_stored_bytes", "Bytes of the blobs in the store.", stored.Bytes);
        }

        Counter(text, "layercache_server_gc_runs_total", "Online GC passes.", Interlocked.Read(ref _gcRuns));
        Counter(text, "layercache_server_gc_deleted_blobs_total", "Blobs the online GC deleted.", Interlocked.Read(ref _gcBlobsDeleted));
        Counter(text, "layercache_server_gc_deleted_bytes_total", "Bytes the online GC freed.", Interlocked.Read(ref _gcBytesDeleted));
        Counter(text, "layercache_server_uploads_purged_total", "Abandoned upload sessions purged.", Interlocked.Read(ref _uploadsPurged));
        Counter(text, "layercache_server_retention_removed_entries_total", "Cache entries retention removed (not pulled for --keep-for, or least recently pulled over --max-size).", Interlocked.Read(ref _entriesRemoved));
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");

    private static void Gauge(StringBuilder text, string name, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}
