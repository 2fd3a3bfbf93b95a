using LayerCache.Store;

namespace LayerCache.Server;

/// <summary>One chunked upload: the store's upload it streams into, its repository, and when it was last used.</summary>
internal sealed class UploadSession(string id, string repository, IBlobUpload upload, long now) : IAsyncDisposable
{
    public string Id { get; } = id;

    public string Repository { get; } = repository;

    public IBlobUpload Upload { get; } = upload;

    /// <summary>One request at a time per session; the purge skips a session that is in use.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Timestamp (of the server's <see cref="TimeProvider"/>) of the last request.</summary>
    public long LastUsed { get; set; } = now;

    public async ValueTask DisposeAsync()
    {
        await Upload.DisposeAsync();
        Gate.Dispose();
    }
}
