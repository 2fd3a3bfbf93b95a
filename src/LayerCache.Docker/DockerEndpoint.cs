using System.Globalization;

namespace LayerCache.Docker;

/// <summary>
/// Where the Docker engine listens, parsed from a DOCKER_HOST value: <c>unix:///path/docker.sock</c>
/// (the default, <c>unix:///var/run/docker.sock</c>) or <c>tcp://host:port</c> (plain HTTP).
/// </summary>
public sealed class DockerEndpoint
{
    /// <summary>The engine's default socket on Linux.</summary>
    public const string DefaultHost = "unix:///var/run/docker.sock";

    private DockerEndpoint(string host, string? socketPath, Uri? httpAddress)
    {
        Host = host;
        SocketPath = socketPath;
        HttpAddress = httpAddress;
    }

    /// <summary>The DOCKER_HOST form of this endpoint, used in messages.</summary>
    public string Host { get; }

    /// <summary>The unix socket path, or null for a TCP endpoint.</summary>
    public string? SocketPath { get; }

    /// <summary>The HTTP base address of a TCP endpoint, or null for a unix socket.</summary>
    public Uri? HttpAddress { get; }

    /// <summary>True for a unix socket endpoint.</summary>
    public bool IsUnixSocket => SocketPath is not null;

    /// <summary>The endpoint named by the DOCKER_HOST environment variable, or the default socket.</summary>
    public static DockerEndpoint FromEnvironment()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        return Parse(string.IsNullOrWhiteSpace(host) ? DefaultHost : host.Trim());
    }

    /// <summary>Parses a DOCKER_HOST value.</summary>
    /// <exception cref="FormatException">Not a unix:// or tcp:// address.</exception>
    public static DockerEndpoint Parse(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = host["unix://".Length..];
            if (path.Length == 0 || path[0] != '/')
            {
                throw new FormatException($"invalid DOCKER_HOST \"{host}\": a unix socket needs an absolute path, e.g. {DefaultHost}");
            }

            return new DockerEndpoint(host, path, null);
        }

        if (host.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase) || host.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = host[(host.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
            if (rest.Length == 0)
            {
                throw new FormatException($"invalid DOCKER_HOST \"{host}\": missing host");
            }

            // Like the docker CLI, a tcp:// address without a port means the engine's plain-HTTP port.
            var hasPort = rest.StartsWith('[') ? rest.Contains("]:", StringComparison.Ordinal) : rest.Contains(':', StringComparison.Ordinal);
            var authority = hasPort ? rest : rest + ":" + 2375.ToString(CultureInfo.InvariantCulture);
            if (!Uri.TryCreate("http://" + authority + "/", UriKind.Absolute, out var uri) || uri.AbsolutePath != "/")
            {
                throw new FormatException($"invalid DOCKER_HOST \"{host}\": expected tcp://HOST:PORT");
            }

            return new DockerEndpoint("tcp://" + authority, null, uri);
        }

        throw new FormatException($"unsupported DOCKER_HOST \"{host}\": expected unix:///path or tcp://host:port");
    }

    /// <inheritdoc/>
    public override string ToString() => Host;
}
