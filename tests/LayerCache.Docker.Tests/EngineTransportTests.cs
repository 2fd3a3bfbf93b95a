using System.Net;
using System.Net.Sockets;
using LayerCache.Testing;

namespace LayerCache.Docker.Tests;

/// <summary>
/// Engines reached the way the docker CLI reaches them, against a real private dockerd: TLS with
/// client certificates (DOCKER_TLS_VERIFY/DOCKER_CERT_PATH), a context made by the real docker CLI,
/// and the stream transport ssh:// uses (a command's stdin/stdout, here `docker system dial-stdio`).
/// </summary>
public sealed class EngineTransportTests(TlsEngineFixture fixture) : IClassFixture<TlsEngineFixture>, IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private readonly DirectoryInfo _config = Directory.CreateTempSubdirectory("lc-cfg-");

    private PrivateDockerd Engine => fixture.Engine;

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _config.Delete(recursive: true);
    }

    [Fact]
    public async Task Tls_engine_with_client_certificates_answers()
    {
        using var client = new DockerEngineClient(Resolve(new()
        {
            ["DOCKER_HOST"] = Engine.TlsHost,
            ["DOCKER_TLS_VERIFY"] = "1",
            ["DOCKER_CERT_PATH"] = Engine.TlsClientDirectory,
        }));
        Assert.Equal("1.41", await client.GetApiVersionAsync(Ct));
        Assert.NotNull(await client.InspectImageAsync(TestImages.Busybox, Ct));
        // A save streams over the same TLS connection kind.
        await using var archive = await client.SaveImagesAsync([TestImages.Busybox], Ct);
        Assert.True(await archive.CopyToCountingAsync(Ct) > 0);
    }

    [Fact]
    public async Task Tls_engine_without_a_client_certificate_is_unavailable_in_one_line()
    {
        var certs = Directory.CreateDirectory(Path.Combine(_config.FullName, "ca-only"));
        File.Copy(Path.Combine(Engine.TlsClientDirectory, "ca.pem"), Path.Combine(certs.FullName, "ca.pem"));
        using var client = new DockerEngineClient(Resolve(new()
        {
            ["DOCKER_HOST"] = Engine.TlsHost,
            ["DOCKER_TLS_VERIFY"] = "1",
            ["DOCKER_CERT_PATH"] = certs.FullName,
        }));
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => client.PingAsync(Ct));
        Assert.True(ex is DockerEngineUnavailableException or DockerEngineException, ex.ToString());
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task Tls_engine_with_a_certificate_from_another_ca_is_refused()
    {
        // The client trusts only the CA it is given: the engine's own certificate is not one of it.
        var certs = Directory.CreateDirectory(Path.Combine(_config.FullName, "wrong-ca"));
        File.Copy(Path.Combine(Engine.TlsClientDirectory, "cert.pem"), Path.Combine(certs.FullName, "ca.pem"));
        File.Copy(Path.Combine(Engine.TlsClientDirectory, "cert.pem"), Path.Combine(certs.FullName, "cert.pem"));
        File.Copy(Path.Combine(Engine.TlsClientDirectory, "key.pem"), Path.Combine(certs.FullName, "key.pem"));
        using var client = new DockerEngineClient(Resolve(new()
        {
            ["DOCKER_HOST"] = Engine.TlsHost,
            ["DOCKER_TLS_VERIFY"] = "1",
            ["DOCKER_CERT_PATH"] = certs.FullName,
        }));
        var ex = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => client.PingAsync(Ct));
        Assert.StartsWith("TLS handshake failed", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_tls_without_verify_accepts_the_engine_certificate()
    {
        var certs = Directory.CreateDirectory(Path.Combine(_config.FullName, "no-ca"));
        File.Copy(Path.Combine(Engine.TlsClientDirectory, "cert.pem"), Path.Combine(certs.FullName, "cert.pem"));
        File.Copy(Path.Combine(Engine.TlsClientDirectory, "key.pem"), Path.Combine(certs.FullName, "key.pem"));
        using var client = new DockerEngineClient(Resolve(new()
        {
            ["DOCKER_HOST"] = Engine.TlsHost,
            ["DOCKER_TLS"] = "1",
            ["DOCKER_CERT_PATH"] = certs.FullName,
        }));
        await client.PingAsync(Ct);
    }

    [Fact]
    public async Task Plain_http_to_the_tls_port_says_tls_is_needed()
    {
        using var client = new DockerEngineClient(Resolve(new() { ["DOCKER_HOST"] = Engine.TlsHost }));
        var ex = await Assert.ThrowsAsync<DockerEngineException>(() => client.PingAsync(Ct));
        Assert.Contains("requires TLS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Context_created_by_the_docker_cli_reaches_the_tls_engine()
    {
        var dir = Engine.TlsClientDirectory;
        var create = await ProcessRunner.RunAsync(
            "/usr/local/bin/docker",
            ["context", "create", "lc-tls", "--docker", $"host={Engine.TlsHost},ca={dir}/ca.pem,cert={dir}/cert.pem,key={dir}/key.pem"],
            new Dictionary<string, string?> { ["DOCKER_CONFIG"] = _config.FullName, ["DOCKER_HOST"] = null, ["DOCKER_CONTEXT"] = null },
            onLine: null,
            Ct);
        create.EnsureSuccess();
        using var client = new DockerEngineClient(Resolve(new() { ["DOCKER_CONTEXT"] = "lc-tls" }));
        Assert.Equal("lc-tls", client.Endpoint.ContextName);
        Assert.NotNull(await client.InspectImageAsync(TestImages.Busybox, Ct));

        // `docker context use` writes currentContext: the same engine without DOCKER_CONTEXT.
        (await ProcessRunner.RunAsync("/usr/local/bin/docker", ["context", "use", "lc-tls"], new Dictionary<string, string?> { ["DOCKER_CONFIG"] = _config.FullName, ["DOCKER_HOST"] = null, ["DOCKER_CONTEXT"] = null }, null, Ct)).EnsureSuccess();
        using var current = new DockerEngineClient(Resolve(new()));
        Assert.Equal("lc-tls", current.Endpoint.ContextName);
        await current.PingAsync(Ct);
    }

    [Fact]
    public async Task Stream_transport_over_a_dial_stdio_process_serves_every_call()
    {
        // The transport ssh:// uses, minus ssh: HTTP over `docker system dial-stdio`'s stdin/stdout.
        using var client = new DockerEngineClient(
            DockerEndpoint.Parse("ssh://lc-test-host"),
            credentials: null,
            (Prerequisites.DockerCli, ["-H", Engine.Host, "system", "dial-stdio"]));
        Assert.Equal("1.41", await client.GetApiVersionAsync(Ct));
        Assert.NotNull(await client.InspectImageAsync(TestImages.Busybox, Ct));
        long saved;
        await using (var archive = await client.SaveImagesAsync([TestImages.Busybox], Ct))
        {
            saved = await archive.CopyToCountingAsync(Ct);
        }

        Assert.True(saved > 100_000, $"saved {saved} bytes");
    }

    [Fact]
    public async Task Unreachable_ssh_host_is_unavailable_with_ssh_s_reason()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var client = new DockerEngineClient(DockerEndpoint.Parse($"ssh://nobody@127.0.0.1:{port}"));
        var ex = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => client.PingAsync(Ct));
        Assert.Contains("ssh", ex.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task An_address_answering_with_an_html_page_is_one_line_not_the_page()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var page = "<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body>" + new string('x', 5000) + "\n</body></html>\n";
        var serve = HtmlPageServer.ServeOneAsync(listener, "200 OK", page, Ct);
        using var client = new DockerEngineClient(DockerEndpoint.Parse($"tcp://127.0.0.1:{port}"));
        var ex = await Assert.ThrowsAsync<DockerEngineException>(() => client.PingAsync(Ct));
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain("<html", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not as a Docker engine", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Welcome to nginx!", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 300, ex.Message);
        await serve;

        // A 404 page for an API call is one line too.
        var notFound = HtmlPageServer.ServeOneAsync(listener, "404 Not Found", page, Ct);
        using var versioned = new DockerEngineClient(DockerEndpoint.Parse($"tcp://127.0.0.1:{port}"));
        var error = await Assert.ThrowsAsync<DockerEngineException>(() => versioned.PingAsync(Ct));
        Assert.Contains("HTML page", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        await notFound;
    }

    private DockerEndpoint Resolve(Dictionary<string, string> environment)
    {
        environment.TryAdd("DOCKER_CONFIG", _config.FullName);
        return DockerEndpointResolver.Resolve(name => environment.GetValueOrDefault(name));
    }
}

internal static class StreamCounting
{
    public static async Task<long> CopyToCountingAsync(this Stream stream, CancellationToken ct)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
        }

        return total;
    }
}
