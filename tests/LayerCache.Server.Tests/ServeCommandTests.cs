using System.Net;

namespace LayerCache.Server.Tests;

/// <summary><c>layercache serve</c> as users run it: bad options, SIGTERM, and SIGKILL mid-upload.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lc-serve-cli-").FullName;

    private string Store => Path.Combine(_directory, "store");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("--listen", "nope", "invalid --listen")]
    [InlineData("--gc-interval", "soon", "invalid --gc-interval")]
    [InlineData("--tls-cert", "/nonexistent.pem", "--tls-cert and --tls-key go together")]
    [InlineData("--tokens", "/nonexistent", "not a tokens file")]
    public async Task Bad_options_are_one_line_and_exit_2(string option, string value, string message)
    {
        var run = await ServeProcess.RunCliAsync("serve", "--store", "dir:" + Store, option, value);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_stops_cleanly_and_releases_the_store()
    {
        var (serve, address) = await ServeProcess.StartAsync("--store", "dir:" + Store, "--listen", "127.0.0.1:0");
        await using (serve)
        {
            using var client = new HttpClient { BaseAddress = address };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
            Assert.Equal(143, await serve.TerminateAsync());
        }

        // The store's lock is free: a prune (which takes it exclusively) runs at once.
        var prune = await ServeProcess.RunCliAsync("prune", "--cache", "dir:" + Store);
        Assert.True(prune.ExitCode == 0, prune.StandardError);
    }

    [Fact]
    public async Task Killed_mid_upload_the_restarted_server_serves_what_was_pushed_and_the_store_verifies()
    {
        var (serve, address) = await ServeProcess.StartAsync("--store", "dir:" + Store, "--listen", "127.0.0.1:0");
        byte[] manifest;
        await using (serve)
        {
            using var pushed = new HttpClient { BaseAddress = address };
            manifest = await TestServer.PushImageAsync(pushed, "team/app", "v1");
            var location = (await pushed.PostAsync("/v2/team/app/blobs/uploads/", null)).Headers.Location!.OriginalString;
            var chunk = new HttpRequestMessage(HttpMethod.Patch, location) { Content = TestServer.Octets(TestServer.RandomBytes(1 << 20)) };
            Assert.Equal(HttpStatusCode.Accepted, (await pushed.SendAsync(chunk)).StatusCode);
            await serve.KillAsync();
        }

        var (restarted, again) = await ServeProcess.StartAsync("--store", "dir:" + Store, "--listen", "127.0.0.1:0");
        await using (restarted)
        {
            using var client = new HttpClient { BaseAddress = again };
            Assert.Equal(manifest, await client.GetByteArrayAsync("/v2/team/app/manifests/v1"));
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/v2/team/app/blobs/uploads/", null)).StatusCode);
            Assert.Equal(143, await restarted.TerminateAsync());
        }

        var verify = await ServeProcess.RunCliAsync("verify", "--cache", "dir:" + Store);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
        Assert.StartsWith("ok:", verify.StandardOutput.Trim().Split('\n')[^1], StringComparison.Ordinal);
    }
}
