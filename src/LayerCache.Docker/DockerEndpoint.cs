using System.Globalization;

namespace LayerCache.Docker;

/// <summary>
/// Where the Docker engine listens and how to reach it: a unix socket, <c>tcp://host:port</c> (plain
/// HTTP, or HTTPS with <see cref="Tls"/>), or <c>ssh://[user@]host[:port][/socket]</c>. Built from a
/// DOCKER_HOST value by <see cref="Parse(string)"/>, or from the whole docker CLI configuration
/// (DOCKER_HOST, TLS variables, contexts) by <see cref="DockerEndpointResolver"/>.
/// </summary>
public sealed class DockerEndpoint
{
    /// <summary>The engine's default socket on Linux.</summary>
    public const string DefaultHost = "unix:///var/run/docker.sock";

    private const int DefaultHttpPort = 2375;

    private DockerEndpoint(string host, DockerTransport transport, string? socketPath, Uri? httpAddress, DockerTlsSettings? tls, SshTarget? ssh, string? contextName)
    {
        Host = host;
        Transport = transport;
        SocketPath = socketPath;
        HttpAddress = httpAddress;
        Tls = tls;
        Ssh = ssh;
        ContextName = contextName;
    }

    /// <summary>The DOCKER_HOST form of this endpoint, used in messages.</summary>
    public string Host { get; }

    /// <summary>How the engine is reached.</summary>
    public DockerTransport Transport { get; }

    /// <summary>The unix socket path, or null for a TCP or SSH endpoint.</summary>
    public string? SocketPath { get; }

    /// <summary>The HTTP(S) base address of a TCP endpoint, or null for a unix socket or SSH.</summary>
    public Uri? HttpAddress { get; }

    /// <summary>TLS settings of a TCP endpoint, or null for plain HTTP.</summary>
    public DockerTlsSettings? Tls { get; }

    /// <summary>The SSH target of an <c>ssh://</c> endpoint, or null.</summary>
    public SshTarget? Ssh { get; }

    /// <summary>The docker context this endpoint came from, or null for the default context (DOCKER_HOST or the default socket).</summary>
    public string? ContextName { get; }

    /// <summary>True for a unix socket endpoint.</summary>
    public bool IsUnixSocket => Transport == DockerTransport.Unix;

    /// <summary>The endpoint and where it came from, for messages: <c>tcp://host:2376 (docker context "ci")</c>.</summary>
    public string Description => ContextName is null ? Host : $"{Host} (docker context \"{ContextName}\")";

    /// <summary>The endpoint the docker CLI would use in this process's environment (see <see cref="DockerEndpointResolver"/>).</summary>
    /// <exception cref="DockerEndpointException">DOCKER_HOST is malformed, or the context cannot be used.</exception>
    public static DockerEndpoint FromEnvironment() => DockerEndpointResolver.Resolve(Environment.GetEnvironmentVariable);

    /// <summary>Parses a DOCKER_HOST value (no TLS).</summary>
    /// <exception cref="FormatException">Not a unix://, tcp:// or ssh:// address.</exception>
    public static DockerEndpoint Parse(string host) => Parse(host, tls: null, contextName: null);

    /// <summary>Parses a DOCKER_HOST value; <paramref name="tls"/> applies to a tcp:// address only, as in the docker CLI.</summary>
    /// <exception cref="FormatException">Not a unix://, tcp:// or ssh:// address.</exception>
    public static DockerEndpoint Parse(string host, DockerTlsSettings? tls, string? contextName)
    {
        ArgumentNullException.ThrowIfNull(host);
        host = host.Trim();
        // docker/cli opts/hosts.go parseDockerDaemonHost: an address without a scheme is tcp.
        if (!host.Contains("://", StringComparison.Ordinal) && host.Length > 0)
        {
            host = "tcp://" + host;
        }

        if (host.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = host["unix://".Length..];
            if (path.Length == 0)
            {
                path = DefaultHost["unix://".Length..];
            }

            if (path[0] != '/')
            {
                throw new FormatException($"invalid DOCKER_HOST \"{host}\": a unix socket needs an absolute path, e.g. {DefaultHost}");
            }

            return new DockerEndpoint("unix://" + path, DockerTransport.Unix, path, null, null, null, contextName);
        }

        if (host.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase) || host.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = host[(host.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
            if (rest.Length == 0)
            {
                throw new FormatException($"invalid DOCKER_HOST \"{host}\": missing host");
            }

            // Like the docker CLI (opts.ParseTCPAddr with tcp://localhost:2375 as the default), a
            // tcp:// address without a port means port 2375, with or without TLS.
            var hasPort = rest.StartsWith('[') ? rest.Contains("]:", StringComparison.Ordinal) : rest.Contains(':', StringComparison.Ordinal);
            var authority = hasPort ? rest : rest + ":" + DefaultHttpPort.ToString(CultureInfo.InvariantCulture);
            var scheme = tls is null ? "http://" : "https://";
            if (!Uri.TryCreate(scheme + authority + "/", UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || uri.UserInfo.Length > 0)
            {
                throw new FormatException($"invalid DOCKER_HOST \"{host}\": expected tcp://HOST:PORT");
            }

            return new DockerEndpoint("tcp://" + authority, DockerTransport.Tcp, null, uri, tls, null, contextName);
        }

        if (host.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase))
        {
            return new DockerEndpoint(host, DockerTransport.Ssh, null, null, null, ParseSsh(host), contextName);
        }

        throw new FormatException($"unsupported DOCKER_HOST \"{host}\": expected unix:///path, tcp://host:port or ssh://[user@]host");
    }

    /// <inheritdoc/>
    public override string ToString() => Host;

    /// <summary>As docker/cli cli/connhelper/ssh/ssh.go ParseURL: no password, query or fragment.</summary>
    private static SshTarget ParseSsh(string host)
    {
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new FormatException($"invalid DOCKER_HOST \"{host}\": expected ssh://[user@]host[:port]");
        }

        if (uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new FormatException("invalid DOCKER_HOST: an ssh:// address must not contain a password (use an ssh key)");
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new FormatException("invalid DOCKER_HOST: an ssh:// address takes no query or fragment");
        }

        var path = Uri.UnescapeDataString(uri.AbsolutePath);
        return new SshTarget
        {
            User = uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(uri.UserInfo) : null,
            HostName = uri.IdnHost,
            Port = uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port,
            SocketPath = path.Trim('/').Length > 0 ? path : null,
        };
    }
}
