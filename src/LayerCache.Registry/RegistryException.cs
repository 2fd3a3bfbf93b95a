using System.Net;

namespace LayerCache.Registry;

/// <summary>
/// A registry operation failed (an <see cref="IOException"/>, so fail-open paths that catch I/O failures catch it). Errors are data: <see cref="Kind"/> says what it means (switch on it,
/// never on the message), <see cref="StatusCode"/> and <see cref="Errors"/> say what the registry
/// answered (null and empty when it never answered: a dropped connection, a timeout). The message is one
/// line naming the operation, never a credential.
/// </summary>
public class RegistryException : IOException
{
    /// <summary>Creates the exception.</summary>
    public RegistryException()
    {
    }

    /// <summary>Creates the exception with a message (classified <see cref="RegistryErrorKind.Invalid"/>).</summary>
    public RegistryException(string message)
        : base(message)
    {
        Kind = RegistryErrorKind.Invalid;
    }

    /// <summary>Creates the exception with a message and cause (classified <see cref="RegistryErrorKind.Transient"/>).</summary>
    public RegistryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = RegistryErrorKind.Transient;
    }

    /// <summary>Creates a classified exception.</summary>
    /// <param name="kind">What the failure means.</param>
    /// <param name="message">One line naming the operation and the cause.</param>
    /// <param name="statusCode">The HTTP status the registry answered, if it answered.</param>
    /// <param name="errors">The error envelope's entries, if any.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public RegistryException(RegistryErrorKind kind, string message, HttpStatusCode? statusCode = null, IReadOnlyList<RegistryError>? errors = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
        Errors = errors ?? [];
    }

    /// <summary>What the failure means to the caller.</summary>
    public RegistryErrorKind Kind { get; }

    /// <summary>The HTTP status, or null when no answer arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The distribution error codes the registry sent (empty if none).</summary>
    public IReadOnlyList<RegistryError> Errors { get; } = [];

    /// <summary>How long the registry asked to wait (<c>Retry-After</c>), if it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True when trying again later may succeed.</summary>
    public bool IsTransient => Kind == RegistryErrorKind.Transient;

    /// <summary>True when the registry answered with <paramref name="code"/>.</summary>
    public bool Has(RegistryErrorCode code) => code is not null && Errors.Any(e => e.Code == code.Name);
}
