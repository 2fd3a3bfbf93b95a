using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit;

namespace LayerCache.Testing;

/// <summary>
/// A private Docker engine for one test class: its own containerd, data root, exec root, socket and
/// bridge, so a fresh instance is a fresh CI runner and nothing touches the host's own engine.
/// Use it as an xunit class fixture (<c>IClassFixture&lt;PrivateDockerd&gt;</c>) or start one ad hoc with
/// <see cref="StartAsync"/>. By default the pinned <see cref="TestImages.Busybox"/> image is loaded.
/// </summary>
public sealed class PrivateDockerd : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private Process? _dockerd;
    private int _containerdPid;
    private bool _disposed;

    /// <summary>Creates an engine description; nothing runs until <see cref="InitializeAsync"/>.</summary>
    public PrivateDockerd()
    {
        // Short, unique paths: unix socket paths must stay under 108 bytes.
        Root = Path.Combine("/tmp", "lc-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
    }

    /// <summary>Whether <see cref="InitializeAsync"/> loads the pinned busybox image. Default true.</summary>
    public bool LoadBaseImages { get; init; } = true;

    /// <summary>The private directory everything of this engine lives under (/tmp/lc-XXXXXXXX).</summary>
    public string Root { get; }

    /// <summary>The engine's API socket.</summary>
    public string SocketPath => Path.Combine(Root, "docker.sock");

    /// <summary>The DOCKER_HOST value for this engine.</summary>
    public string Host => "unix://" + SocketPath;

    /// <summary>The engine's --data-root.</summary>
    public string DataRoot => Path.Combine(Root, "data");

    /// <summary>The engine's --exec-root.</summary>
    public string ExecRoot => Path.Combine(Root, "exec");

    /// <summary>The dockerd log file (stdout and stderr).</summary>
    public string LogPath => Path.Combine(Root, "dockerd.log");

    /// <summary>The bridge interface the engine uses instead of docker0.</summary>
    public string BridgeName { get; private set; } = string.Empty;

    /// <summary>The bridge's address, 169.254.N.1/24.</summary>
    public string BridgeAddress { get; private set; } = string.Empty;

    /// <summary>How long the engine took to answer /_ping (excluding the base image load).</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Starts a private engine outside xunit's fixture lifecycle; dispose it to tear it down.</summary>
    public static async Task<PrivateDockerd> StartAsync(bool loadBaseImages, CancellationToken cancellationToken)
    {
        var engine = new PrivateDockerd { LoadBaseImages = loadBaseImages };
        try
        {
            await engine.StartCoreAsync(cancellationToken);
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }

        return engine;
    }

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        try
        {
            await StartCoreAsync(CancellationToken.None);
        }
        catch
        {
            // xunit does not always dispose a fixture whose initialisation failed; leave nothing behind.
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs <c>/usr/bin/docker</c> against this engine. The caller's <paramref name="environment"/> is
    /// applied on top of DOCKER_HOST and a private DOCKER_CONFIG; <c>docker build</c> requires an
    /// explicit DOCKER_BUILDKIT (0 or 1) so a test never depends on the host's default builder.
    /// </summary>
    public Task<ProcessResult> RunDockerCliAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment,
        CancellationToken cancellationToken) =>
        RunDockerCliAsync(arguments, environment, onLine: null, cancellationToken);

    /// <summary>As the other overload, passing each output line to <paramref name="onLine"/> as it arrives.</summary>
    public Task<ProcessResult> RunDockerCliAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment,
        Action<ProcessOutputLine>? onLine,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var args = arguments.ToList();
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["DOCKER_HOST"] = Host,
            ["DOCKER_CONFIG"] = Path.Combine(Root, "cli-config"),
            ["DOCKER_CONTEXT"] = null,
            ["DOCKER_TLS_VERIFY"] = null,
            ["DOCKER_CERT_PATH"] = null,
            ["DOCKER_BUILDKIT"] = null,
        };
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                env[key] = value;
            }
        }

        if (args.Contains("build") && env["DOCKER_BUILDKIT"] is not ("0" or "1"))
        {
            throw new ArgumentException("docker build needs an explicit DOCKER_BUILDKIT of \"0\" or \"1\" in the environment", nameof(environment));
        }

        return ProcessRunner.RunAsync(Prerequisites.DockerCli, args, env, onLine, cancellationToken);
    }

    /// <summary>The last lines of the dockerd log, for failure messages.</summary>
    public string ReadLogTail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException ex)
        {
            return $"(no dockerd log: {ex.Message})";
        }
    }

    /// <summary>Stops the engine (SIGTERM, then SIGKILL), unmounts and deletes its directory and bridge.</summary>
    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_dockerd is not null)
        {
            await KillContainersAsync();
            await HostCleanup.StopAsync(_dockerd.Id, TimeSpan.FromSeconds(15));
            _dockerd.Dispose();
        }

        await HostCleanup.StopAsync(_containerdPid, TimeSpan.FromSeconds(10));
        await TearDownAsync(Root, BridgeName);
    }

    /// <inheritdoc/>
    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    /// <summary>
    /// SIGKILLs running containers through the API first: dockerd's own shutdown waits about ten
    /// seconds per container that ignores SIGTERM (a shell or sleep as PID 1), which tests never need.
    /// </summary>
    private async Task KillContainersAsync()
    {
        if (_dockerd is null || _dockerd.HasExited || !File.Exists(SocketPath))
        {
            return;
        }

        try
        {
            using var http = UnixSocketHttp.Create(SocketPath);
            using var list = await http.GetAsync(new Uri("/containers/json", UriKind.Relative));
            using var json = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
            var kills = json.RootElement.EnumerateArray()
                .Select(c => c.GetProperty("Id").GetString())
                .Select(id => http.PostAsync(new Uri($"/containers/{id}/kill", UriKind.Relative), null));
            foreach (var response in await Task.WhenAll(kills))
            {
                response.Dispose();
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
        {
            // Best effort: the SIGTERM/SIGKILL sequence below still stops everything.
        }
    }

    private static Task TearDownAsync(string root, string bridge) => HostCleanup.TearDownAsync(root, bridge);

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        Prerequisites.EnsureDockerd();
        await HostCleanup.SweepStaleOnceAsync();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var ct = timeout.Token;

        Directory.CreateDirectory(Root);
        // Ownership first, so a sweep by a later test process can clean up if this one dies mid-start.
        await HostCleanup.WriteOwnerAsync(Root, bridge: string.Empty, ct);
        Directory.CreateDirectory(Path.Combine(Root, "cli-config"));
        await File.WriteAllTextAsync(Path.Combine(Root, "cli-config", "config.json"), "{}", ct);
        // A daemon.json of our own: the host's /etc/docker/daemon.json must not leak in. The trust key
        // (the engine id) would otherwise be /etc/docker/key.json, shared by every private engine.
        await File.WriteAllTextAsync(Path.Combine(Root, "daemon.json"), $"{{\"deprecated-key-path\": \"{Path.Combine(Root, "key.json")}\"}}", ct);

        await CreateBridgeAsync(ct);
        var started = Stopwatch.StartNew();
        await StartContainerdAsync(ct);
        StartDockerd();
        await WaitForPingAsync(ct);
        StartupTime = started.Elapsed;

        if (LoadBaseImages)
        {
            await TestImages.LoadBusyboxAsync(this, ct);
        }
    }

    /// <summary>
    /// Claims a bridge named after a random N in 169.254.N.0/24. <c>ip link add</c> fails when the name
    /// exists, so the name is the lock that keeps parallel test processes on distinct subnets.
    /// </summary>
    private async Task CreateBridgeAsync(CancellationToken ct)
    {
        var used = (await ProcessRunner.RunAsync(Prerequisites.Ip, ["-o", "-4", "addr", "show"], ct)).StandardOutput;
        for (var attempt = 0; attempt < 64; attempt++)
        {
            // RFC 3927 reserves 169.254.0.x and 169.254.255.x; 169.254.169.x holds cloud metadata services.
            var n = RandomNumberGenerator.GetInt32(1, 255);
            if (n == 169 || used.Contains($"169.254.{n}.", StringComparison.Ordinal))
            {
                continue;
            }

            var name = $"lcbr{n}";
            var add = await ProcessRunner.RunAsync(Prerequisites.Ip, ["link", "add", name, "type", "bridge"], ct);
            if (!add.Succeeded)
            {
                continue;
            }

            BridgeName = name;
            BridgeAddress = $"169.254.{n}.1/24";
            // Record the bridge at once so a sweep can remove it if this process dies from here on.
            await HostCleanup.WriteOwnerAsync(Root, name, ct);
            (await ProcessRunner.RunAsync(Prerequisites.Ip, ["addr", "add", BridgeAddress, "dev", name], ct)).EnsureSuccess();
            (await ProcessRunner.RunAsync(Prerequisites.Ip, ["link", "set", name, "up"], ct)).EnsureSuccess();
            return;
        }

        throw new InvalidOperationException("could not claim a free lcbrN bridge for a private dockerd after 64 attempts");
    }

    /// <summary>
    /// dockerd 20.10 would use a system containerd whenever /run/containerd/containerd.sock exists, so
    /// each engine gets an explicit containerd of its own, passed with --containerd.
    /// </summary>
    private async Task StartContainerdAsync(CancellationToken ct)
    {
        var dir = Path.Combine(Root, "ctrd");
        Directory.CreateDirectory(dir);
        var socket = Path.Combine(dir, "containerd.sock");
        var config = new StringBuilder()
            .Append("version = 2\n")
            .Append(CultureInfo.InvariantCulture, $"root = \"{Path.Combine(DataRoot, "containerd")}\"\n")
            .Append(CultureInfo.InvariantCulture, $"state = \"{Path.Combine(dir, "state")}\"\n")
            .Append("disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n")
            .Append("[grpc]\n")
            .Append(CultureInfo.InvariantCulture, $"  address = \"{socket}\"\n")
            .Append("[ttrpc]\n  address = \"\"\n")
            .Append("[debug]\n  address = \"\"\n  level = \"warn\"\n")
            .Append("[metrics]\n  address = \"\"\n")
            .ToString();
        var configPath = Path.Combine(dir, "config.toml");
        await File.WriteAllTextAsync(configPath, config, ct);

        using var containerd = StartLogged(Prerequisites.Containerd, $"--config {configPath}", Path.Combine(Root, "containerd.log"));
        _containerdPid = containerd.Id;
        while (!File.Exists(socket))
        {
            if (containerd.HasExited)
            {
                throw new InvalidOperationException($"containerd for {Root} exited with {containerd.ExitCode}:\n{Tail(Path.Combine(Root, "containerd.log"))}");
            }

            await Task.Delay(20, ct);
        }
    }

    private void StartDockerd()
    {
        var args = string.Join(' ',
            $"--config-file {Path.Combine(Root, "daemon.json")}",
            $"--data-root {DataRoot}",
            $"--exec-root {ExecRoot}",
            $"--pidfile {Path.Combine(Root, "docker.pid")}",
            $"-H unix://{SocketPath}",
            $"--containerd {Path.Combine(Root, "ctrd", "containerd.sock")}",
            "--iptables=false --ip-masq=false --ip-forward=false --userland-proxy=false",
            // Tests never need graceful container shutdown; keep teardown fast.
            "--shutdown-timeout=1",
            $"--bridge={BridgeName}");
        _dockerd = StartLogged(Prerequisites.Dockerd, args, LogPath);
    }

    private async Task WaitForPingAsync(CancellationToken ct)
    {
        using var http = UnixSocketHttp.Create(SocketPath);
        string lastError = "socket not created";
        while (true)
        {
            if (_dockerd!.HasExited)
            {
                throw new InvalidOperationException($"private dockerd at {Host} exited with code {_dockerd.ExitCode} while starting; log tail:\n{ReadLogTail()}");
            }

            if (ct.IsCancellationRequested)
            {
                throw new TimeoutException($"private dockerd at {Host} did not answer /_ping within {StartTimeout.TotalSeconds:0}s ({lastError}); log tail:\n{ReadLogTail()}");
            }

            if (File.Exists(SocketPath))
            {
                try
                {
                    using var response = await http.GetAsync(new Uri("/_ping", UriKind.Relative), ct);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }

                    lastError = $"HTTP {(int)response.StatusCode}";
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    lastError = ex.Message;
                }
            }

            try
            {
                await Task.Delay(25, ct);
            }
            catch (OperationCanceledException)
            {
                // Loop once more to report the timeout with the log tail.
            }
        }
    }

    /// <summary>Starts a long-running daemon with its output going straight to a log file.</summary>
    private static Process StartLogged(string fileName, string arguments, string logPath)
    {
        // exec keeps the daemon's pid equal to the one we hold; our paths contain no shell metacharacters.
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"exec {fileName} {arguments} >>{logPath} 2>&1 </dev/null");
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
    }

    private static string Tail(string path)
    {
        try
        {
            return string.Join('\n', File.ReadAllLines(path).TakeLast(40));
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }
}
