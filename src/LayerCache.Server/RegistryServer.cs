using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using LayerCache.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LayerCache.Server;

/// <summary>
/// <c>layercache serve</c>: the OCI distribution API over a directory store, on Kestrel, with the
/// online GC and the purge of abandoned uploads running beside it. NativeAOT-clean: a slim builder,
/// one request delegate, no MVC and no reflection-based JSON.
/// </summary>
public static class RegistryServer
{
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (SIGTERM/SIGINT), then stops cleanly.</summary>
    /// <exception cref="FormatException">The listen address or the tokens file is malformed.</exception>
    public static async Task RunAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(options, cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The signal to stop: dispose stops the server.
        }
    }

    /// <summary>Opens the store, starts listening and returns once requests are served.</summary>
    /// <exception cref="FormatException">The listen address or the tokens file is malformed.</exception>
    public static async Task<RunningServer> StartAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = ParseListen(options.Listen);
        var tokens = options.TokensFile is { } path ? await TokenFile.LoadAsync(path, cancellationToken) : null;
        X509Certificate2? certificate = null;
        if (options.TlsCertificateFile is { } cert)
        {
            certificate = X509Certificate2.CreateFromPemFile(cert, options.TlsKeyFile ?? throw new FormatException("--tls-cert needs --tls-key"));
        }

        var store = await FileSystemCacheStore.OpenAsync(options.StorePath, cancellationToken);
        return await StartAsync(store, options, tokens, certificate, null, null, null, cancellationToken);
    }

    /// <summary>Serves an opened store: <paramref name="repositories"/> in place of the store's own references, layers through <paramref name="guard"/>, and <paramref name="upstream"/>'s layers beside the store's blobs.</summary>
    internal static async Task<RunningServer> StartAsync(
        FileSystemCacheStore store, ServerOptions options, TokenFile? tokens, X509Certificate2? certificate, IRepositoryReferences? repositories, LayerGuard? guard, UpstreamLayers? upstream, CancellationToken cancellationToken)
    {
        var endpoint = ParseListen(options.Listen);

        // Held for the server's life: another process's prune waits, and its opportunistic GC skips,
        // rather than collect blobs a client uploaded and has not referenced yet.
        var writeSession = options.HoldStoreLock ? await store.BeginWriteAsync(cancellationToken) : null;
        var metrics = new ServerMetrics();
        var sessions = new UploadSessions(options.Clock, options.UploadTimeout, metrics);
        var leases = new BlobLeases(options.Clock);
        var usage = new EntryUsage(options.Clock);
        var handler = new RegistryHandler(store, sessions, leases, metrics, tokens, options.Log, options.Clock, options.MaxUploads, repositories, guard, usage, upstream);
        var retention = repositories is null ? new ServerRetention(store, new RepositoryReferences(store), usage, options) : null;
        var collector = new OnlineCollector(store, leases, metrics, options.GcGrace, options.Clock, options.Log);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Blobs are streamed into the store whatever their size; manifests are bounded by the handler.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
            void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            }

            // Every interface: IPv6 and IPv4 where the host has IPv6, IPv4 alone where it has not.
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                kestrel.ListenAnyIP(endpoint.Port, Configure);
            }
            else
            {
                kestrel.Listen(endpoint, Configure);
            }
        });
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal) + "/");
        options.Log?.WriteLine($"ts={DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} event=listening address={bound} store={store.Location} auth={(tokens is null ? "none" : "tokens")} gc={(options.GcInterval is { } i ? i.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s" : "off")}");

        var stopSource = new CancellationTokenSource();
        var background = BackgroundAsync(options, sessions, collector, retention, metrics, stopSource.Token);
        return new RunningServer(app, address, async () =>
        {
            await stopSource.CancelAsync();
            try
            {
                await background;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            await sessions.CloseAllAsync();
            if (writeSession is not null)
            {
                await writeSession.DisposeAsync();
            }
            stopSource.Dispose();
        });
    }

    /// <summary>The purge of abandoned uploads and, when enabled, the online GC.</summary>
    private static async Task BackgroundAsync(ServerOptions options, UploadSessions sessions, OnlineCollector collector, ServerRetention? retention, ServerMetrics metrics, CancellationToken cancellationToken)
    {
        // Retention runs before each GC pass (which frees what it removed): with retention and no interval, every 10 minutes.
        options = options.GcInterval is null && (options.KeepFor is not null || options.MaxSize is not null) ? options with { GcInterval = TimeSpan.FromMinutes(10) } : options;
        var purgeEvery = TimeSpan.FromTicks(Math.Clamp(options.UploadTimeout.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(30).Ticks));
        var tick = options.GcInterval is { } gc && gc < purgeEvery ? gc : purgeEvery;
        var lastGc = options.Clock.GetTimestamp();
        var lastPurge = lastGc;
        await collector.CountAsync(cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(tick, options.Clock, cancellationToken);
            if (options.Clock.GetElapsedTime(lastPurge) >= purgeEvery)
            {
                lastPurge = options.Clock.GetTimestamp();
                metrics.CountPurged(await sessions.PurgeAsync());
            }

            if (options.GcInterval is { } interval && options.Clock.GetElapsedTime(lastGc) >= interval)
            {
                lastGc = options.Clock.GetTimestamp();
                try
                {
                    if (retention is not null)
                    {
                        metrics.CountRetention((await retention.ApplyAsync(cancellationToken)).Count);
                    }

                    await collector.CollectAsync(cancellationToken);
                }
                catch (Exception e) when (StoreErrors.IsStoreFailure(e))
                {
                    options.Log?.WriteLine($"ts={DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} event=gc-failed error=\"{e.Message.ReplaceLineEndings(" ")}\"");
                }
            }
        }
    }

    /// <summary><c>HOST:PORT</c>, <c>:PORT</c> (every interface) or <c>[V6]:PORT</c>.</summary>
    /// <exception cref="FormatException">Not such an address.</exception>
    public static IPEndPoint ParseListen(string listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var colon = listen.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(listen.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new FormatException($"invalid --listen \"{listen}\": expected [HOST]:PORT, e.g. :5000 or 127.0.0.1:5000");
        }

        var host = listen[..colon].Trim('[', ']');
        if (host.Length == 0)
        {
            return new IPEndPoint(IPAddress.IPv6Any, port);
        }

        if (host == "localhost")
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPAddress.TryParse(host, out var ip)
            ? new IPEndPoint(ip, port)
            : throw new FormatException($"invalid --listen \"{listen}\": the host must be an IP address (or localhost)");
    }
}
