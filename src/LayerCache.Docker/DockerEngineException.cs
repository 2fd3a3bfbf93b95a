using System.Net;

namespace LayerCache.Docker;

/// <summary>
/// The engine answered, but with an error: an HTTP error status, or an error reported inside a
/// progress stream (load, push, pull) after a 200. Carries the engine's own message.
/// </summary>
public class DockerEngineException : Exception
{
    /// <summary>Creates the exception for an engine error.</summary>
    public DockerEngineException(HttpStatusCode statusCode, string engineMessage, string operation, bool fromProgressStream = false)
        : base(Format(statusCode, engineMessage, operation, fromProgressStream))
    {
        StatusCode = statusCode;
        EngineMessage = engineMessage;
        Operation = operation;
        FromProgressStream = fromProgressStream;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public DockerEngineException()
        : this(HttpStatusCode.InternalServerError, "unknown engine error", "docker")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public DockerEngineException(string message)
        : this(HttpStatusCode.InternalServerError, message, "docker")
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public DockerEngineException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = HttpStatusCode.InternalServerError;
        EngineMessage = message;
        Operation = "docker";
    }

    /// <summary>The HTTP status of the response (200 for errors reported inside a progress stream).</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The engine's message (the <c>message</c> of its JSON error body, or the stream's <c>errorDetail.message</c>).</summary>
    public string EngineMessage { get; }

    /// <summary>What was asked, e.g. <c>inspect image app:latest</c>.</summary>
    public string Operation { get; }

    /// <summary>True when the error arrived inside a JSON progress stream rather than as an HTTP status.</summary>
    public bool FromProgressStream { get; }

    /// <summary>True when the engine said the object does not exist (HTTP 404).</summary>
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    private static string Format(HttpStatusCode statusCode, string engineMessage, string operation, bool fromProgressStream) =>
        fromProgressStream
            ? $"{operation} failed: {engineMessage}"
            : $"{operation} failed: {engineMessage} (HTTP {(int)statusCode})";
}
