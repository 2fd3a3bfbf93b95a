using LayerCache.Testing;

namespace LayerCache.Docker.Tests;

/// <summary>A private dockerd that also listens with <c>--tlsverify</c> on 127.0.0.1 (certificates by openssl).</summary>
public sealed class TlsEngineFixture : IAsyncLifetime
{
    public PrivateDockerd Engine { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Engine = await PrivateDockerd.StartAsync(loadBaseImages: true, enableTls: true, timeout.Token);
    }

    public Task DisposeAsync() => Engine?.DisposeAsync() ?? Task.CompletedTask;
}
