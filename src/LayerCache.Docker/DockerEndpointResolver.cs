using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LayerCache.Docker;

/// <summary>
/// Picks the engine exactly as the docker CLI does, so that layercache's own engine client talks to
/// the engine the user's <c>docker build</c> builds in. Order (docker/cli cli/command/cli.go
/// resolveContextName): DOCKER_HOST set → the default context with that host; else DOCKER_CONTEXT;
/// else <c>currentContext</c> of config.json; else the default context. The default context takes
/// TLS from DOCKER_TLS_VERIFY / DOCKER_TLS and DOCKER_CERT_PATH (cli/flags/options.go); a named
/// context from <c>contexts/meta/SHA256(name)/meta.json</c> and <c>contexts/tls/SHA256(name)/docker/</c>
/// (cli/context/store, cli/context/docker/load.go).
/// </summary>
public static class DockerEndpointResolver
{
    /// <summary>The context name the docker CLI uses for DOCKER_HOST or its built-in default.</summary>
    public const string DefaultContextName = "default";

    private const long MaxFileBytes = 1024 * 1024;

    /// <summary>Resolves the endpoint from the environment and the docker CLI configuration it names.</summary>
    /// <exception cref="DockerEndpointException">DOCKER_HOST is malformed, or the context does not exist or cannot be read.</exception>
    public static DockerEndpoint Resolve(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var config = DockerCliConfig.Load(environment);
        var name = ResolveContextName(environment, config);
        return name == DefaultContextName ? DefaultEndpoint(environment, config.Directory) : ContextEndpoint(name, config.Directory);
    }

    /// <summary>The context the docker CLI would use (without -c/-H flags, which layercache never passes).</summary>
    public static string ResolveContextName(Func<string, string?> environment, DockerCliConfig config)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(config);
        if (!string.IsNullOrEmpty(environment("DOCKER_HOST")))
        {
            return DefaultContextName;
        }

        if (environment("DOCKER_CONTEXT") is { Length: > 0 } context)
        {
            return context;
        }

        return config.CurrentContext ?? DefaultContextName;
    }

    /// <summary>The directory of a context's metadata: contexts/meta/&lt;hex sha256 of the name&gt; (docker/cli cli/context/store/store.go contextdirOf).</summary>
    public static string ContextDirectoryName(string contextName) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(contextName)));

    private static DockerEndpoint DefaultEndpoint(Func<string, string?> environment, string configDirectory)
    {
        // cli/flags/options.go: DOCKER_TLS_VERIFY (any non-empty value) turns TLS on with
        // verification, DOCKER_TLS (non-empty) TLS without; certificates come from DOCKER_CERT_PATH,
        // else the configuration directory.
        var verify = !string.IsNullOrEmpty(environment("DOCKER_TLS_VERIFY"));
        var useTls = verify || !string.IsNullOrEmpty(environment("DOCKER_TLS"));
        DockerTlsSettings? tls = null;
        if (useTls)
        {
            var certPath = environment("DOCKER_CERT_PATH") is { Length: > 0 } p ? p : configDirectory;
            tls = ReadTls(certPath, skipVerify: !verify, "DOCKER_CERT_PATH");
        }

        var host = environment("DOCKER_HOST")?.Trim();
        if (string.IsNullOrEmpty(host))
        {
            // opts.ParseHost: with TLS and no host, the default is tcp://localhost:2376.
            host = useTls ? "tcp://localhost:2376" : DockerEndpoint.DefaultHost;
        }

        try
        {
            return DockerEndpoint.Parse(host, tls, contextName: null);
        }
        catch (FormatException e) when (e is not DockerEndpointException)
        {
            throw new DockerEndpointException(e.Message, e);
        }
    }

    private static DockerEndpoint ContextEndpoint(string name, string configDirectory)
    {
        var id = ContextDirectoryName(name);
        var metaPath = Path.Combine(configDirectory, "contexts", "meta", id, "meta.json");
        byte[] meta;
        try
        {
            meta = DockerCliConfig.ReadBounded(metaPath, MaxFileBytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DockerEndpointException($"docker context \"{name}\" does not exist (no {metaPath}; named by DOCKER_CONTEXT or the currentContext of config.json)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DockerEndpointException($"cannot read docker context \"{name}\": {e.Message}", e);
        }

        string? host;
        bool skipVerify;
        try
        {
            using var document = JsonDocument.Parse(meta);
            if (!document.RootElement.TryGetProperty("Endpoints", out var endpoints) || endpoints.ValueKind != JsonValueKind.Object
                || !endpoints.TryGetProperty("docker", out var docker) || docker.ValueKind != JsonValueKind.Object)
            {
                throw new DockerEndpointException($"docker context \"{name}\" has no docker endpoint ({metaPath})");
            }

            host = docker.TryGetProperty("Host", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
            skipVerify = docker.TryGetProperty("SkipTLSVerify", out var s) && s.ValueKind == JsonValueKind.True;
        }
        catch (JsonException e)
        {
            throw new DockerEndpointException($"docker context \"{name}\": {metaPath} is not valid JSON", e);
        }

        // cli/context/docker/load.go tlsConfig: TLS when the context has a TLS bundle or skips
        // verification; a context without either is plain HTTP. Sockets never use TLS.
        var tlsDirectory = Path.Combine(configDirectory, "contexts", "tls", id, "docker");
        var tls = Directory.Exists(tlsDirectory) ? ReadTls(tlsDirectory, skipVerify, $"docker context \"{name}\"") : null;
        if (tls is null && skipVerify)
        {
            tls = new DockerTlsSettings { SkipVerify = true };
        }

        try
        {
            return DockerEndpoint.Parse(string.IsNullOrWhiteSpace(host) ? DockerEndpoint.DefaultHost : host, tls, name);
        }
        catch (FormatException e) when (e is not DockerEndpointException)
        {
            throw new DockerEndpointException($"docker context \"{name}\": {e.Message}", e);
        }
    }


    /// <summary>ca.pem, cert.pem and key.pem of a directory; a missing file is left out (TLSDataFromFiles reads what is there).</summary>
    private static DockerTlsSettings ReadTls(string directory, bool skipVerify, string source)
    {
        return new DockerTlsSettings
        {
            CaPem = ReadPem(Path.Combine(directory, "ca.pem"), source),
            CertificatePem = ReadPem(Path.Combine(directory, "cert.pem"), source),
            KeyPem = ReadPem(Path.Combine(directory, "key.pem"), source),
            SkipVerify = skipVerify,
        };
    }

    private static string? ReadPem(string path, string source)
    {
        try
        {
            return Encoding.UTF8.GetString(DockerCliConfig.ReadBounded(path, MaxFileBytes));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DockerEndpointException($"cannot read the TLS file {path} ({source}): {e.Message}", e);
        }
    }
}
