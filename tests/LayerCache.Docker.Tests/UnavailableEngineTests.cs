using System.Net;
using System.Net.Sockets;

namespace LayerCache.Docker.Tests;

/// <summary>An engine that cannot be reached is a typed, one-line error naming the endpoint.</summary>
public sealed class UnavailableEngineTests
{
    [Fact]
    public async Task Missing_socket_is_reported_as_unavailable()
    {
        using var client = new DockerEngineClient(DockerEndpoint.Parse("unix:///tmp/lc-no-such-dir/docker.sock"));
        var ex = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => client.PingAsync(CancellationToken.None));
        Assert.Equal("unix:///tmp/lc-no-such-dir/docker.sock", ex.Endpoint);
        Assert.Equal("no such socket", ex.Reason);
        Assert.Contains("unix:///tmp/lc-no-such-dir/docker.sock", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task Socket_without_listener_is_connection_refused_for_every_call()
    {
        var dir = Directory.CreateTempSubdirectory("lc-");
        try
        {
            var path = Path.Combine(dir.FullName, "dead.sock");
            // Bound but never listening: the socket file exists, connecting is refused (as after a dockerd crash).
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));

            using var client = new DockerEngineClient(DockerEndpoint.Parse("unix://" + path));
            var ex = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => client.InspectImageAsync("busybox", CancellationToken.None));
            Assert.Equal("connection refused", ex.Reason);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Closed_tcp_port_is_connection_refused()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var client = new DockerEngineClient(DockerEndpoint.Parse($"tcp://127.0.0.1:{port}"));
        var ex = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => client.VersionAsync(CancellationToken.None));
        Assert.Equal("connection refused", ex.Reason);
        Assert.Contains($"tcp://127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }
}
