using LayerCache.Testing;

namespace LayerCache.Server.Tests;

/// <summary><c>docker push</c>/<c>docker pull</c> from a private dockerd (20.10) through the server; 127.0.0.1 is insecure-allowed by default.</summary>
public sealed class DockerTests(PrivateDockerd engine) : IClassFixture<PrivateDockerd>
{
    [Fact]
    public async Task Docker_pushes_and_pulls_back_the_same_image()
    {
        var ct = CancellationToken.None;
        await using var server = await TestServer.StartAsync();
        var image = $"{server.HostPort}/lc/busybox:pushed";
        var id = (await engine.RunDockerCliAsync(["image", "inspect", "--format", "{{.Id}}", TestImages.Busybox], null, ct)).EnsureSuccess().StandardOutput.Trim();

        (await engine.RunDockerCliAsync(["tag", TestImages.Busybox, image], null, ct)).EnsureSuccess();
        var push = (await engine.RunDockerCliAsync(["push", image], null, ct)).EnsureSuccess();
        Assert.Contains("digest: sha256:", push.StandardOutput, StringComparison.Ordinal);
        (await engine.RunDockerCliAsync(["rmi", image], null, ct)).EnsureSuccess();
        (await engine.RunDockerCliAsync(["rmi", TestImages.Busybox], null, ct)).EnsureSuccess();

        (await engine.RunDockerCliAsync(["pull", image], null, ct)).EnsureSuccess();

        var pulled = (await engine.RunDockerCliAsync(["image", "inspect", "--format", "{{.Id}}", image], null, ct)).EnsureSuccess().StandardOutput.Trim();
        Assert.Equal(id, pulled);
        (await engine.RunDockerCliAsync(["tag", image, TestImages.Busybox], null, ct)).EnsureSuccess();

        // A second push of the same image moves no layer: every blob is already there.
        var again = (await engine.RunDockerCliAsync(["push", image], null, ct)).EnsureSuccess();
        Assert.Contains("Layer already exists", again.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_login_with_a_read_token_pulls_but_cannot_push()
    {
        var ct = CancellationToken.None;
        var tokens = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokens, $"{SkopeoTests.Hash("writer")} write:lc/**\n{SkopeoTests.Hash("reader")} read:lc/**\n", ct);
        try
        {
            await using var server = await TestServer.StartAsync(o => o with { TokensFile = tokens });
            var image = $"{server.HostPort}/lc/auth:1";
            (await engine.RunDockerCliAsync(["tag", TestImages.Busybox, image], null, ct)).EnsureSuccess();

            var anonymous = await engine.RunDockerCliAsync(["push", image], null, ct);
            Assert.NotEqual(0, anonymous.ExitCode);

            (await engine.RunDockerCliAsync(["login", "-u", "ci", "-p", "writer", server.HostPort], null, ct)).EnsureSuccess();
            (await engine.RunDockerCliAsync(["push", image], null, ct)).EnsureSuccess();

            (await engine.RunDockerCliAsync(["login", "-u", "ci", "-p", "reader", server.HostPort], null, ct)).EnsureSuccess();
            (await engine.RunDockerCliAsync(["rmi", image], null, ct)).EnsureSuccess();
            (await engine.RunDockerCliAsync(["pull", image], null, ct)).EnsureSuccess();
            (await engine.RunDockerCliAsync(["tag", image, $"{server.HostPort}/lc/auth:2"], null, ct)).EnsureSuccess();
            var denied = await engine.RunDockerCliAsync(["push", $"{server.HostPort}/lc/auth:2"], null, ct);
            Assert.NotEqual(0, denied.ExitCode);
            Assert.Contains("denied", denied.StandardOutput + denied.StandardError, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(tokens);
        }
    }

    [Fact]
    public async Task Buildkit_reads_cache_from_the_server_after_the_local_cache_is_gone()
    {
        var ct = CancellationToken.None;
        await using var server = await TestServer.StartAsync();
        var context = Directory.CreateTempSubdirectory("lc-serve-bk-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {TestImages.Busybox}\nRUN echo {Guid.NewGuid():N} > /stamp && sleep 1\n", ct);
            var image = $"{server.HostPort}/lc/bk:main";
            var env = new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "1" };
            (await engine.RunDockerCliAsync(["build", "--network", "none", "--build-arg", "BUILDKIT_INLINE_CACHE=1", "-t", image, context], env, ct)).EnsureSuccess();
            (await engine.RunDockerCliAsync(["push", image], null, ct)).EnsureSuccess();
            (await engine.RunDockerCliAsync(["rmi", image], null, ct)).EnsureSuccess();
            (await engine.RunDockerCliAsync(["builder", "prune", "-af"], null, ct)).EnsureSuccess();

            var warm = (await engine.RunDockerCliAsync(["build", "--network", "none", "--progress", "plain", "--cache-from", image, "-t", "lc-bk-warm", context], env, ct)).EnsureSuccess();

            // The RUN step itself was taken from the server's cache, not re-run.
            Assert.Matches(new System.Text.RegularExpressions.Regex(@"#(\d+) \[2/2\] RUN[^\n]*\n(#\1 [^\n]*\n)*#\1 CACHED"), warm.StandardError + warm.StandardOutput);
            Assert.Contains("/v2/lc/bk/manifests/main", server.Log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }
}
