using System.Net;
using System.Net.Sockets;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// DOCKER_HOST names an address where a web server answers (issue 9: "an engine address that
/// answers with an HTML page is printed whole as an internal error"): restore says so in one line
/// with exit 2, and never prints the page.
/// </summary>
public sealed class EngineHtmlAnswerTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task Restore_against_a_web_server_is_one_line_and_exit_code_2()
    {
        var ct = _timeout.Token;
        using var temp = new TempDirectory();
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = ServeAsync(listener, ct);
        try
        {
            var env = new Dictionary<string, string?>
            {
                ["DOCKER_HOST"] = $"tcp://127.0.0.1:{port}",
                ["DOCKER_CONFIG"] = temp.Combine("docker-config"),
                ["DOCKER_BUILDKIT"] = "0",
                ["LAYERCACHE_DOCKER"] = Cli.DockerCli,
            };
            var run = await Cli.RunAsync(Commands.Restore(app.Directory, temp.Combine("store"), "--scope", Commands.MainScope), env, ct);
            Assert.True(run.ExitCode == 2, run.ToString());
            var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"expected one line: {run}");
            Assert.Contains("not as a Docker engine", lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain("<html", run.Stderr, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("internal error", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
            await serving;
        }
    }

    /// <summary>A web server's welcome page for every request (nginx's default site, say).</summary>
    private static async Task ServeAsync(TcpListener listener, CancellationToken ct)
    {
        var page = "<!DOCTYPE html>\n<html><head><title>Welcome!</title></head>\n<body>\n" + new string('x', 3000) + "\n</body></html>\n";
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await HtmlPageServer.ServeOneAsync(listener, "200 OK", page, ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // Stopped.
        }
    }
}
