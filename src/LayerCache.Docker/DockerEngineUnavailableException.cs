namespace LayerCache.Docker;

/// <summary>
/// The engine could not be reached at all: its socket is missing, the connection was refused, or
/// access was denied. The message is one line naming the endpoint.
/// </summary>
public class DockerEngineUnavailableException : Exception
{
    /// <summary>Creates the exception for an endpoint that could not be reached.</summary>
    public DockerEngineUnavailableException(string endpoint, string reason, Exception? innerException)
        : base($"Docker engine not reachable at {endpoint}: {reason} (is dockerd running? DOCKER_HOST or the docker context selects the engine)", innerException)
    {
        Endpoint = endpoint;
        Reason = reason;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public DockerEngineUnavailableException()
        : this(DockerEndpoint.DefaultHost, "unreachable", null)
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public DockerEngineUnavailableException(string message)
        : base(message)
    {
        Endpoint = string.Empty;
        Reason = message;
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public DockerEngineUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Endpoint = string.Empty;
        Reason = message;
    }

    /// <summary>The DOCKER_HOST form of the endpoint that failed.</summary>
    public string Endpoint { get; }

    /// <summary>Why, in a few words: "no such socket", "connection refused"…</summary>
    public string Reason { get; }
}
