namespace LayerCache.Docker;

/// <summary>
/// The docker CLI configuration names an engine that cannot be used as written: a malformed
/// DOCKER_HOST, a context that does not exist or whose metadata or TLS files are unreadable. The
/// message is one line naming the variable, context or file.
/// </summary>
public class DockerEndpointException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public DockerEndpointException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DockerEndpointException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public DockerEndpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
