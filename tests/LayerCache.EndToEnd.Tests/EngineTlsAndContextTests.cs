using System.Net;
using System.Net.Sockets;
using LayerCache.Core.Reports;
using LayerCache.Testing;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// layercache reaches the engine the user's docker CLI builds in (issue 8 point 4): a TLS engine
/// with client certificates (GitLab's docker-in-docker setup: DOCKER_HOST=tcp://…:2376,
/// DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH), and a docker context made by the real docker CLI. Each
/// run is a child process, so the docker CLI it starts sees exactly the job's environment. Before,
/// the build succeeded and layercache then exited 1 (TLS) or 2 (context) without saving.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class EngineTlsAndContextTests(ITestOutputHelper output)
{
    private const string ModernDocker = "/usr/local/bin/docker";

    [Theory]
    [InlineData(Prerequisites.DockerCli, "1")]
    [InlineData(ModernDocker, "0")]
    public async Task Tls_engine_with_client_certificates_builds_saves_and_a_fresh_tls_engine_restores(string docker, string buildKit)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        foreach (var (run, app) in new[] { ("cold", "app1"), ("warm", "app2") })
        {
            using var slot = await EngineSlots.AcquireAsync(ct);
            await using var engine = await PrivateDockerd.StartAsync(loadBaseImages: true, enableTls: true, ct);
            var example = ExampleApp.CopyTo(temp.Combine(app));
            var env = new Dictionary<string, string?>
            {
                ["DOCKER_HOST"] = engine.TlsHost,
                ["DOCKER_TLS_VERIFY"] = "1",
                ["DOCKER_CERT_PATH"] = engine.TlsClientDirectory,
                ["DOCKER_CONFIG"] = temp.Combine("docker-config-" + run),
                ["DOCKER_BUILDKIT"] = buildKit,
                ["LAYERCACHE_DOCKER"] = docker,
            };
            var result = await Cli.RunChildAsync(Commands.Build(example.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), env, ct);
            output.WriteLine(result.ToString());
            result.ExpectExit(0);
            Assert.True(result.Report.Warnings.Count == 0, $"no warnings expected: {result}");
            if (run == "cold")
            {
                Assert.True(result.Report.Save is { Saved: true }, $"the cold build on the TLS engine must save: {result}");
            }
            else
            {
                Assert.True(result.Report.Restore is { Hit: true, LayersLoaded: > 0 }, $"a fresh TLS engine must restore: {result}");
                AssertNothingExecuted(result);
            }
        }
    }

    [Fact]
    public async Task Docker_context_created_by_the_docker_cli_builds_and_saves_in_the_context_engine()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        using var slot = await EngineSlots.AcquireAsync(ct);
        await using var engine = await PrivateDockerd.StartAsync(loadBaseImages: true, enableTls: true, ct);
        var config = temp.Combine("docker-config");
        var certs = engine.TlsClientDirectory;
        var cliEnvironment = new Dictionary<string, string?> { ["DOCKER_CONFIG"] = config, ["DOCKER_HOST"] = null, ["DOCKER_CONTEXT"] = null };
        (await ProcessRunner.RunAsync(
            ModernDocker,
            ["context", "create", "lc-e2e", "--docker", $"host={engine.TlsHost},ca={certs}/ca.pem,cert={certs}/cert.pem,key={certs}/key.pem"],
            cliEnvironment,
            null,
            ct)).EnsureSuccess();

        var example = ExampleApp.CopyTo(temp.Combine("app"));
        var env = new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = null,
            ["DOCKER_CONTEXT"] = "lc-e2e",
            ["DOCKER_CONFIG"] = config,
            ["DOCKER_BUILDKIT"] = "1",
            ["LAYERCACHE_DOCKER"] = Prerequisites.DockerCli,
        };
        var result = await Cli.RunChildAsync(Commands.Build(example.Directory, temp.Combine("store"), "--scope", Commands.MainScope, "-t", "demo:latest"), env, ct);
        output.WriteLine(result.ToString());
        result.ExpectExit(0);
        Assert.True(result.Report.Warnings.Count == 0, $"no warnings expected: {result}");
        Assert.True(result.Report.Save is { Saved: true }, $"the build in the context's engine must save: {result}");
        // The image is in the context's engine: the one the build used is the one layercache saved from.
        Assert.Contains(result.Report.Build!.Stages, s => s.Steps.Count > 0);
    }

    [Fact]
    public async Task Unreachable_engine_is_a_warning_and_the_build_s_own_exit_code()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var example = ExampleApp.CopyTo(temp.Combine("app"));
        var env = new Dictionary<string, string?>
        {
            // An ssh:// engine whose host refuses the connection: docker build fails on its own.
            ["DOCKER_HOST"] = $"ssh://nobody@127.0.0.1:{port}",
            ["DOCKER_CONFIG"] = temp.Combine("docker-config"),
            ["DOCKER_BUILDKIT"] = "0",
            ["LAYERCACHE_DOCKER"] = Prerequisites.DockerCli,
        };
        var docker = await ProcessRunner.RunAsync(Prerequisites.DockerCli, ["build", "--network", "none", example.Directory], env, null, ct);
        Assert.NotEqual(0, docker.ExitCode);

        var result = await Cli.RunChildAsync(Commands.Build(example.Directory, temp.Combine("store"), "--scope", Commands.MainScope), env, ct);
        Assert.True(result.ExitCode == docker.ExitCode, $"exit code must be docker build's own ({docker.ExitCode}): {result}");
        Assert.Contains("warning: the docker engine is unreachable", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("ssh", result.Report.Warnings.Single(), StringComparison.Ordinal);
    }

    private static void AssertNothingExecuted(CliRun run)
    {
        var build = run.Report.Build ?? throw new Xunit.Sdk.XunitException($"no build report: {run}");
        var executed = build.Stages.SelectMany(s => s.Steps.Where(step => step.Status == StepStatus.Executed).Select(step => $"{s.Stage}: {step.Instruction}")).ToList();
        Assert.True(executed.Count == 0, $"steps ran although the store was warm: {string.Join("; ", executed)}\n{run}");
        Assert.True(build.StepsCached > 0, $"no cached steps: {run}");
    }
}
