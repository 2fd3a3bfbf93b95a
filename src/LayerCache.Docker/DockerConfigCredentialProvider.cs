using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace LayerCache.Docker;

/// <summary>
/// Registry credentials as the docker CLI finds them in config.json (docker/cli
/// cli/config/configfile/file.go GetAuthConfig): the key is the registry host, or
/// <c>https://index.docker.io/v1/</c> for Docker Hub; <c>credHelpers[key]</c>, else
/// <c>credsStore</c>, names a helper run as <c>docker-credential-NAME get</c> (the key on stdin,
/// <c>{"ServerURL","Username","Secret"}</c> on stdout; a Username of <c>&lt;token&gt;</c> means an
/// identity token); without a helper, <c>auths[key]</c> (base64 <c>auth</c> = user:password, or
/// <c>identitytoken</c>), also matched by host when stored as a URL. Nothing read here is ever
/// written to a message.
/// </summary>
public sealed class DockerConfigCredentialProvider : IRegistryCredentialProvider
{
    /// <summary>The config.json key of Docker Hub's credentials.</summary>
    public const string DockerHubKey = "https://index.docker.io/v1/";

    private const int MaxHelperOutputBytes = 1024 * 1024;
    private static readonly TimeSpan HelperTimeout = TimeSpan.FromSeconds(60);

    private readonly DockerCliConfig _config;
    private readonly Func<string, string?> _environment;

    /// <summary>Credentials from <paramref name="config"/>; helpers are found on the PATH of <paramref name="environment"/>.</summary>
    public DockerConfigCredentialProvider(DockerCliConfig config, Func<string, string?> environment)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
    }

    /// <summary>The provider for the docker configuration <paramref name="environment"/> names (DOCKER_CONFIG, else ~/.docker).</summary>
    public static DockerConfigCredentialProvider FromEnvironment(Func<string, string?> environment) =>
        new(DockerCliConfig.Load(environment), environment);

    /// <summary>The config.json key for a registry host: Docker Hub's URL for <c>docker.io</c>, else the host itself.</summary>
    public static string AuthKey(string registry) =>
        registry is "docker.io" or "index.docker.io" or "registry-1.docker.io" or "" ? DockerHubKey : registry;

    /// <inheritdoc/>
    public async Task<RegistryCredentials?> GetAsync(string registry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var key = AuthKey(registry);
        var helper = _config.CredentialHelpers.TryGetValue(key, out var specific) ? specific : _config.CredentialsStore;
        if (helper is not null)
        {
            return await FromHelperAsync(helper, key, cancellationToken);
        }

        return FromAuths(key);
    }

    /// <summary>The <c>auths</c> entry for a key, exact first, then by host (docker/cli credentials/file_store.go).</summary>
    private RegistryCredentials? FromAuths(string key)
    {
        if (!_config.Auths.TryGetValue(key, out var entry))
        {
            var match = _config.Auths.FirstOrDefault(a => ConvertToHostname(a.Key) == key);
            if (match.Key is null)
            {
                return null;
            }

            entry = match.Value;
        }

        string? username = String(entry, "username"), password = String(entry, "password");
        if (String(entry, "auth") is { } auth)
        {
            if (!TryDecodeAuth(auth, out username, out password))
            {
                throw new RegistryCredentialsException($"the stored credentials for {key} in {Path.Combine(_config.Directory, "config.json")} are malformed (auths.auth must be base64 of user:password)");
            }
        }

        var identityToken = String(entry, "identitytoken");
        if (username is null && password is null && identityToken is null)
        {
            return null;
        }

        return new RegistryCredentials { Username = username, Password = password, IdentityToken = identityToken, ServerAddress = key };
    }

    private async Task<RegistryCredentials?> FromHelperAsync(string helper, string key, CancellationToken cancellationToken)
    {
        var program = "docker-credential-" + helper;
        var start = new ProcessStartInfo(FindOnPath(program) ?? program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("get");
        if (_environment("PATH") is { } path)
        {
            start.Environment["PATH"] = path;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new RegistryCredentialsException($"cannot start the credential helper {program}");
        }
        catch (Win32Exception e)
        {
            throw new RegistryCredentialsException($"the credential helper {program} for {key} cannot be run: {e.Message}", e);
        }

        using (process)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(HelperTimeout);
            try
            {
                var output = ReadBoundedAsync(process.StandardOutput.BaseStream, timeout.Token);
                var error = ReadBoundedAsync(process.StandardError.BaseStream, timeout.Token);
                try
                {
                    await process.StandardInput.WriteAsync(key.AsMemory(), timeout.Token);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // A helper may answer without reading the server URL (and exit first): its answer counts.
                }
                await process.WaitForExitAsync(timeout.Token);
                var stdout = await output;
                var stderr = await error;
                if (process.ExitCode != 0)
                {
                    // The helper protocol reports a missing entry on stdout: docker pulls anonymously then.
                    if ((stdout + stderr).Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
                    {
                        return null;
                    }

                    // The first line of a helper's error names the problem; a helper never prints the secret there.
                    var reason = (stderr.Length > 0 ? stderr : stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no message";
                    throw new RegistryCredentialsException($"the credential helper {program} failed for {key} (exit {process.ExitCode}): {Truncate(reason, 200)}");
                }

                return ParseHelperAnswer(stdout, key, program);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new RegistryCredentialsException($"the credential helper {program} did not answer for {key} within {HelperTimeout.TotalSeconds:0}s");
            }
            catch (IOException e)
            {
                throw new RegistryCredentialsException($"the credential helper {program} for {key} ended early: {e.Message}", e);
            }
        }
    }

    private static RegistryCredentials? ParseHelperAnswer(string stdout, string key, string program)
    {
        try
        {
            using var document = JsonDocument.Parse(stdout);
            var root = document.RootElement;
            var username = String(root, "Username");
            var secret = String(root, "Secret");
            if (secret is null)
            {
                return null;
            }

            // docker/cli credentials/native_store.go: the user name "<token>" marks an identity token.
            return username == "<token>"
                ? new RegistryCredentials { IdentityToken = secret, ServerAddress = key }
                : new RegistryCredentials { Username = username, Password = secret, ServerAddress = key };
        }
        catch (JsonException e)
        {
            // The exception's message may quote the output, which holds the secret: it is not passed on.
            throw new RegistryCredentialsException($"the credential helper {program} answered for {key} with something that is not its JSON (at byte {e.BytePositionInLine})");
        }
    }

    private static async Task<string> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read <= MaxHelperOutputBytes)
            {
                buffer.Write(chunk, 0, read);
            }
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private string? FindOnPath(string program)
    {
        foreach (var directory in (_environment("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>As docker/cli credentials.ConvertToHostname: <c>https://host:port/path</c> → <c>host:port</c>.</summary>
    internal static string ConvertToHostname(string maybeUrl)
    {
        var stripped = maybeUrl;
        var scheme = stripped.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            stripped = stripped[(scheme + 3)..];
        }

        var slash = stripped.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? stripped : stripped[..slash];
    }

    /// <summary>docker/cli configfile decodeAuth: base64 (standard) of <c>user:password</c>, user not empty.</summary>
    private static bool TryDecodeAuth(string auth, out string? username, out string? password)
    {
        username = password = null;
        var bytes = new byte[(auth.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(auth, bytes, out var length))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(bytes, 0, length);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        username = text[..colon];
        password = text[(colon + 1)..].Trim('\0');
        return true;
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
