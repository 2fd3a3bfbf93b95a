namespace LayerCache.Docker;

/// <summary>How the engine's API is reached, as named by the scheme of a DOCKER_HOST value.</summary>
public enum DockerTransport
{
    /// <summary><c>unix:///path</c>: a local unix socket (dockerd, rootless dockerd, podman).</summary>
    Unix,

    /// <summary><c>tcp://host:port</c>: HTTP, or HTTPS when the endpoint has TLS settings.</summary>
    Tcp,

    /// <summary><c>ssh://[user@]host[:port][/socket]</c>: <c>ssh … docker system dial-stdio</c>, as the docker CLI does.</summary>
    Ssh,
}
