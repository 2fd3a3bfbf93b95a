using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Xunit;

namespace LayerCache.Testing;

/// <summary>
/// A private Distribution 2.8 registry (Debian's docker-registry) on 127.0.0.1 with filesystem storage
/// in a temp directory and deletes enabled. dockerd treats 127.0.0.0/8 registries as insecure (plain
/// HTTP) by default, so private engines push to and pull from it without extra flags.
/// </summary>
public sealed class PrivateRegistry : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private Process? _process;
    private bool _disposed;
    private string? _configPath;

    /// <summary>Creates a registry description; nothing runs until <see cref="InitializeAsync"/>.</summary>
    public PrivateRegistry()
    {
        Root = Path.Combine("/tmp", "lc-reg-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
    }

    /// <summary>
    /// Opt-in: the registry requires this user and password (htpasswd, bcrypt), as a private registry
    /// behind <c>docker login</c> does. Null (the default) for an open registry.
    /// </summary>
    public (string User, string Password)? BasicAuth { get; init; }

    /// <summary>
    /// Opt-in: the registry requires a Bearer token from <see cref="TokenServer"/> (Docker token
    /// authentication), which grants access to this user and password only.
    /// </summary>
    public (string User, string Password)? TokenAuth { get; init; }

    /// <summary>Deletes through the API (<c>storage.delete.enabled</c>); true by default, false to test a registry that answers 405.</summary>
    public bool DeleteEnabled { get; init; } = true;

    /// <summary>Opt-in: serve HTTPS with a certificate for 127.0.0.1/localhost from a throwaway CA (<see cref="CaFile"/>).</summary>
    public bool Tls { get; init; }

    /// <summary>The PEM CA certificate that signed the registry's TLS certificate (with <see cref="Tls"/>).</summary>
    public string CaFile => Path.Combine(Root, "tls", "ca.pem");

    /// <summary>A directory holding the CA as <c>ca.crt</c>: a <c>--cert-dir</c> for skopeo, a <c>certs.d</c> entry for docker.</summary>
    public string CertDirectory => Path.Combine(Root, "tls-client");

    /// <summary>The token server (with <see cref="TokenAuth"/>), null otherwise.</summary>
    public TokenServer? TokenServer { get; private set; }

    /// <summary>The registry's private directory (config, storage, log).</summary>
    public string Root { get; }

    /// <summary>The filesystem storage root.</summary>
    public string StorageDirectory => Path.Combine(Root, "storage");

    /// <summary>The registry log file.</summary>
    public string LogPath => Path.Combine(Root, "registry.log");

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>host:port, the prefix of image references in this registry (e.g. <c>127.0.0.1:5123/app:tag</c>).</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The HTTP base address, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public Uri BaseUri => new($"{(Tls ? "https" : "http")}://{Address}/");

    /// <summary>Starts a registry outside xunit's fixture lifecycle; dispose it to tear it down.</summary>
    public static Task<PrivateRegistry> StartAsync(CancellationToken cancellationToken) => StartAsync(((string, string)?)null, cancellationToken);

    /// <summary>As <see cref="StartAsync(CancellationToken)"/>, requiring <paramref name="basicAuth"/> when given.</summary>
    public static Task<PrivateRegistry> StartAsync((string User, string Password)? basicAuth, CancellationToken cancellationToken) =>
        StartAsync(new PrivateRegistry { BasicAuth = basicAuth }, cancellationToken);

    /// <summary>
    /// Starts <paramref name="registry"/>, a description made with the opt-in settings, e.g.
    /// <c>new PrivateRegistry { Tls = true, TokenAuth = ("u", "p") }</c>; dispose it to tear it down.
    /// </summary>
    public static async Task<PrivateRegistry> StartAsync(PrivateRegistry registry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        try
        {
            await registry.StartCoreAsync(cancellationToken);
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }

        return registry;
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
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the registry and deletes its directory.</summary>
    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await KillAsync();
        if (TokenServer is not null)
        {
            await TokenServer.DisposeAsync();
        }

        await HostCleanup.DeleteDirectoryAsync(Root);
    }

    /// <summary>Kills the registry process (SIGKILL), as a crash would; its storage stays for <see cref="RestartAsync"/>.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts the registry again on the same port, configuration and storage (after <see cref="KillAsync"/>).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await KillAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        for (var attempt = 1; ; attempt++)
        {
            _process = StartProcess(_configPath ?? throw new InvalidOperationException("the registry was never started"));
            if (await WaitReadyAsync(_process, timeout.Token))
            {
                return;
            }

            if (attempt >= 5)
            {
                throw new InvalidOperationException($"docker-registry did not restart on {Address}; log tail:\n{LogTail()}");
            }

            // The old socket may linger for a moment.
            await Task.Delay(200, timeout.Token);
        }
    }

    private Process StartProcess(string config)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"exec {Prerequisites.Registry} serve {config} >>{LogPath} 2>&1 </dev/null");
        return Process.Start(info) ?? throw new InvalidOperationException("could not start docker-registry");
    }

    /// <inheritdoc/>
    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        Prerequisites.EnsureRegistry();
        await HostCleanup.SweepStaleOnceAsync();
        Directory.CreateDirectory(StorageDirectory);
        await HostCleanup.WriteOwnerAsync(Root, bridge: string.Empty, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var auth = string.Empty;
        if (BasicAuth is { } basic)
        {
            auth = await WriteHtpasswdAsync(basic.User, basic.Password, timeout.Token);
        }
        else if (TokenAuth is { } token)
        {
            TokenServer = TokenServer.Start(token.User, token.Password, Root);
            auth = $"""
                auth:
                  token:
                    realm: {TokenServer.Realm}
                    service: {TokenServer.Service}
                    issuer: {TokenServer.Issuer}
                    rootcertbundle: {TokenServer.CertificateBundle}
                """;
        }

        var tls = string.Empty;
        if (Tls)
        {
            await TestCertificates.CreateServerAsync(Path.Combine(Root, "tls"), timeout.Token);
            Directory.CreateDirectory(CertDirectory);
            File.Copy(CaFile, Path.Combine(CertDirectory, "ca.crt"));
            tls = $"""
                  tls:
                    certificate: {Path.Combine(Root, "tls", "cert.pem")}
                    key: {Path.Combine(Root, "tls", "key.pem")}
                """;
        }

        // A free port can be taken between our probe and the registry's bind; retry with another.
        for (var attempt = 1; ; attempt++)
        {
            Port = FindFreePort();
            var config = Path.Combine(Root, "config.yml");
            await File.WriteAllTextAsync(config, $"""
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: {StorageDirectory}
                  delete:
                    enabled: {(DeleteEnabled ? "true" : "false")}
                  maintenance:
                    uploadpurging:
                      enabled: false
                http:
                  addr: {Address}
                  secret: {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}
                {tls}
                {auth}
                """, timeout.Token);
            _configPath = config;
            _process = StartProcess(config);
            if (await WaitReadyAsync(_process, timeout.Token))
            {
                return;
            }

            if (attempt >= 3)
            {
                throw new InvalidOperationException($"docker-registry did not start on {Address}; log tail:\n{LogTail()}");
            }

            _process.Dispose();
            _process = null;
        }
    }

    /// <summary>Polls GET /v2/ until 200; false if the process exited (e.g. port taken).</summary>
    private async Task<bool> WaitReadyAsync(Process process, CancellationToken ct)
    {
        // Readiness only: the certificate is checked by the tests that use it.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (process.HasExited)
            {
                return false;
            }

            if (ct.IsCancellationRequested)
            {
                throw new TimeoutException($"docker-registry on {Address} did not answer GET /v2/ within {StartTimeout.TotalSeconds:0}s; log tail:\n{LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseUri, "v2/"), ct);
                if (response.StatusCode == HttpStatusCode.OK || ((BasicAuth is not null || TokenAuth is not null) && response.StatusCode == HttpStatusCode.Unauthorized))
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            try
            {
                await Task.Delay(25, ct);
            }
            catch (OperationCanceledException)
            {
                // Report the timeout with the log tail on the next pass.
            }
        }
    }

    /// <summary>
    /// An htpasswd file with a bcrypt entry (the only kind Distribution accepts), made with Python's
    /// crypt (glibc's libxcrypt does bcrypt), and the config section that uses it.
    /// </summary>
    private async Task<string> WriteHtpasswdAsync(string user, string password, CancellationToken ct)
    {
        var path = Path.Combine(Root, "htpasswd");
        var hash = await ProcessRunner.RunAsync(
            "/usr/bin/python3",
            ["-W", "ignore", "-c", "import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", password],
            ct);
        hash.EnsureSuccess();
        await File.WriteAllTextAsync(path, $"{user}:{hash.StandardOutput.Trim()}\n", ct);
        return $"""
            auth:
              htpasswd:
                realm: layercache-test
                path: {path}
            """;
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string LogTail()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(30));
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }
}
