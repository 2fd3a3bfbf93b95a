using System.Net;
using System.Text.RegularExpressions;
using LayerCache.Testing;

namespace LayerCache.Server.Tests;

/// <summary>What an operator sees: /healthz, /metrics, one-line logs, TLS.</summary>
public sealed class OperationsTests
{
    [Fact]
    public async Task Healthz_answers_ok()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_count_requests_bytes_uploads_and_stored_blobs()
    {
        await using var server = await TestServer.StartAsync(o => o with { GcInterval = TimeSpan.FromMilliseconds(100) });
        var blob = TestServer.RandomBytes(12345);
        await server.PushBlobAsync("m", blob);
        await server.Client.GetByteArrayAsync($"/v2/m/blobs/{TestServer.DigestOf(blob)}");
        await server.Client.GetAsync("/v2/m/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000");
        await server.Client.PostAsync("/v2/m/blobs/uploads/", null);
        await Task.Delay(500);

        var text = await server.Client.GetStringAsync("/metrics");

        Assert.Matches(new Regex("^layercache_server_requests_total\\{method=\"POST\",status=\"201\"\\} 1$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex("^layercache_server_requests_total\\{method=\"GET\",status=\"404\"\\} 1$", RegexOptions.Multiline), text);
        Assert.Contains("layercache_server_received_bytes_total 12345\n", text, StringComparison.Ordinal);
        Assert.Contains("layercache_server_sent_bytes_total 12345\n", text, StringComparison.Ordinal);
        Assert.Contains("layercache_server_uploads_in_progress 1\n", text, StringComparison.Ordinal);
        Assert.Contains("layercache_server_stored_blobs 1\n", text, StringComparison.Ordinal);
        Assert.Contains("layercache_server_stored_bytes 12345\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_request_is_one_log_line_with_method_path_and_status()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.GetAsync("/v2/x/manifests/latest");
        var line = server.Log.ToString().Split('\n').Single(l => l.Contains("path=/v2/x/manifests/latest", StringComparison.Ordinal));
        Assert.Matches("^ts=\\S+Z method=GET path=/v2/x/manifests/latest status=404 in=0 ms=[0-9.]+ remote=\\S+$", line);
    }

    [Fact]
    public async Task Tls_serves_https_with_the_given_certificate()
    {
        var certificates = Directory.CreateTempSubdirectory("lc-serve-tls-").FullName;
        try
        {
            await TestCertificates.CreateServerAsync(certificates, CancellationToken.None);
            await using var server = await TestServer.StartAsync(o => o with
            {
                TlsCertificateFile = Path.Combine(certificates, "cert.pem"),
                TlsKeyFile = Path.Combine(certificates, "key.pem"),
            });
            Assert.Equal("https", server.Server.Address.Scheme);
            using var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Path.Combine(certificates, "ca.pem"));
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, certificate, chain, _) =>
                {
                    chain!.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                    return chain.Build(certificate!);
                },
            };
            using var client = new HttpClient(handler) { BaseAddress = server.Server.Address };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/")).StatusCode);
        }
        finally
        {
            Directory.Delete(certificates, recursive: true);
        }
    }
}
