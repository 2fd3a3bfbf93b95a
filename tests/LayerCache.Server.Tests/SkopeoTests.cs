using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LayerCache.Testing;

namespace LayerCache.Server.Tests;

/// <summary>skopeo (containers/image, a real registry client) against the server: copy in and out, inspect, delete, tokens.</summary>
public sealed class SkopeoTests
{
    [Fact]
    public async Task Skopeo_copies_in_inspects_copies_out_and_deletes()
    {
        var ct = CancellationToken.None;
        await using var server = await TestServer.StartAsync();
        var archive = await TestImages.GetBusyboxArchiveAsync(ct);
        var target = $"docker://{server.HostPort}/lc/busybox:1";

        (await Skopeo(ct, "copy", "--dest-tls-verify=false", "docker-archive:" + archive, target)).EnsureSuccess();
        var inspect = (await Skopeo(ct, "inspect", "--tls-verify=false", target)).EnsureSuccess();
        using var json = JsonDocument.Parse(inspect.StandardOutput);
        var digest = json.RootElement.GetProperty("Digest").GetString()!;
        Assert.Equal("lc/busybox", json.RootElement.GetProperty("Name").GetString()!.Split('/', 2)[1]);

        var output = Directory.CreateTempSubdirectory("lc-serve-skopeo-").FullName;
        try
        {
            (await Skopeo(ct, "copy", "--src-tls-verify=false", $"docker://{server.HostPort}/lc/busybox@{digest}", $"oci:{output}:copy")).EnsureSuccess();
            Assert.Contains("copy", await File.ReadAllTextAsync(Path.Combine(output, "index.json"), ct), StringComparison.Ordinal);

            (await Skopeo(ct, "delete", "--tls-verify=false", $"docker://{server.HostPort}/lc/busybox@{digest}")).EnsureSuccess();
            var gone = await Skopeo(ct, "inspect", "--tls-verify=false", target);
            Assert.NotEqual(0, gone.ExitCode);
            Assert.Contains("manifest unknown", gone.StandardError, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task Skopeo_with_a_read_token_pulls_but_cannot_push_and_without_one_is_refused()
    {
        var ct = CancellationToken.None;
        var tokens = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokens, $"{Hash("writer")} write:lc/**\n{Hash("reader")} read:lc/**\n", ct);
        try
        {
            await using var server = await TestServer.StartAsync(o => o with { TokensFile = tokens });
            var archive = await TestImages.GetBusyboxArchiveAsync(ct);
            var target = $"docker://{server.HostPort}/lc/busybox:1";

            var anonymous = await Skopeo(ct, "copy", "--dest-tls-verify=false", "docker-archive:" + archive, target);
            Assert.NotEqual(0, anonymous.ExitCode);
            Assert.Contains("unauthorized", anonymous.StandardError, StringComparison.OrdinalIgnoreCase);

            var reader = await Skopeo(ct, "copy", "--dest-tls-verify=false", "--dest-creds", "ci:reader", "docker-archive:" + archive, target);
            Assert.NotEqual(0, reader.ExitCode);
            Assert.Contains("denied", reader.StandardError, StringComparison.OrdinalIgnoreCase);

            (await Skopeo(ct, "copy", "--dest-tls-verify=false", "--dest-creds", "ci:writer", "docker-archive:" + archive, target)).EnsureSuccess();
            (await Skopeo(ct, "inspect", "--tls-verify=false", "--creds", "ci:reader", target)).EnsureSuccess();
        }
        finally
        {
            File.Delete(tokens);
        }
    }

    internal static Task<ProcessResult> Skopeo(CancellationToken ct, params string[] args) =>
        ProcessRunner.RunAsync(Prerequisites.Skopeo, ["--insecure-policy", .. args], ct);

    internal static string Hash(string token) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
