using System.Collections.Concurrent;

namespace LayerCache.Server;

/// <summary>
/// The open upload sessions by id. Ids are random (128 bits), so one client cannot guess and write
/// into another's upload. Sessions idle past the timeout are cancelled: the store drops their
/// content (abandoned uploads are purged).
/// </summary>
internal sealed class UploadSessions(TimeProvider clock, TimeSpan timeout, ServerMetrics metrics)
{
    private readonly ConcurrentDictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public UploadSession Add(string repository, LayerCache.Store.IBlobUpload upload)
    {
        var session = new UploadSession(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)), repository, upload, clock.GetTimestamp());
        _sessions[session.Id] = session;
        metrics.UploadsInProgress = _sessions.Count;
        return session;
    }

    public UploadSession? Find(string repository, string id) =>
        _sessions.TryGetValue(id, out var session) && session.Repository == repository ? session : null;

    /// <summary>Forgets and cancels <paramref name="session"/> (after its commit, or when deleted).</summary>
    public async Task RemoveAsync(UploadSession session)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, UploadSession>(session.Id, session)))
        {
            await session.Upload.CancelAsync(CancellationToken.None);
            metrics.UploadsInProgress = _sessions.Count;
        }
    }

    /// <summary>Cancels every session idle for longer than the timeout; returns how many.</summary>
    public async Task<int> PurgeAsync()
    {
        var purged = 0;
        foreach (var session in _sessions.Values)
        {
            if (clock.GetElapsedTime(session.LastUsed) < timeout || !await session.Gate.WaitAsync(0))
            {
                continue;
            }

            try
            {
                if (clock.GetElapsedTime(session.LastUsed) >= timeout)
                {
                    await RemoveAsync(session);
                    purged++;
                }
            }
            finally
            {
                session.Gate.Release();
            }
        }

        return purged;
    }

    /// <summary>Cancels every session (the server stops).</summary>
    public async Task CloseAllAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await RemoveAsync(session);
        }
    }
}
