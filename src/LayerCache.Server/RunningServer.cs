using Microsoft.AspNetCore.Builder;

namespace LayerCache.Server;

/// <summary>A started <see cref="RegistryServer"/>: where it listens, and how to stop it.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<Task> _stopping;

    internal RunningServer(WebApplication app, Uri address, Func<Task> stopping)
    {
        _app = app;
        Address = address;
        _stopping = stopping;
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:5000/</c> (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>Stops accepting requests, lets running ones finish, cancels open uploads and the GC.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _app.StopAsync(cancellationToken);
        await _stopping();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
