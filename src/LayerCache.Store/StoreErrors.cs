using System.Net;
using System.Net.Http;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// The one place that knows which exceptions a store operation may raise and what they mean, so
/// callers that fail open write <c>catch (Exception e) when (StoreErrors.IsStoreFailure(e))</c> instead
/// of a list of types; and the mapping to and from the distribution API's error codes.
/// </summary>
public static class StoreErrors
{
    /// <summary>
    /// The kind of a store failure, or null when <paramref name="exception"/> is not one (a bug, or
    /// a cancellation, which must propagate).
    /// </summary>
    public static StoreErrorKind? Classify(Exception exception) => exception switch
    {
        null => null,
        OperationCanceledException => null,
        StoreException store => store.Kind,
        BlobNotFoundException or FileNotFoundException or DirectoryNotFoundException => StoreErrorKind.NotFound,
        ContentVerificationException or OciFormatException or UnsafeFileException or InvalidDataException => StoreErrorKind.Corrupt,

        // A store document that slips past the size bound must not take the process down with it.
        OutOfMemoryException or InsufficientExecutionStackException => StoreErrorKind.Corrupt,
        UnauthorizedAccessException => StoreErrorKind.Denied,
        HttpRequestException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } => StoreErrorKind.Denied,
        HttpRequestException { StatusCode: HttpStatusCode.NotFound } => StoreErrorKind.NotFound,
        HttpRequestException or TimeoutException or IOException => StoreErrorKind.Transient,
        NotSupportedException => StoreErrorKind.Unsupported,
        _ => null,
    };

    /// <summary>True when <paramref name="exception"/> is a store failure a fail-open caller turns into a warning.</summary>
    public static bool IsStoreFailure(Exception exception) => Classify(exception) is not null;

    /// <summary>True when the exception says the content read was damaged (digest, size or format).</summary>
    public static bool IsCorrupt(Exception exception) => Classify(exception) == StoreErrorKind.Corrupt;

    /// <summary>
    /// The kind for a distribution API error code (<c>errors[].code</c> of a registry response), or null
    /// for a code the specification does not define; <paramref name="status"/> decides then.
    /// </summary>
    public static StoreErrorKind FromDistributionCode(string? code, HttpStatusCode status) => code switch
    {
        "BLOB_UNKNOWN" or "BLOB_UPLOAD_UNKNOWN" or "MANIFEST_UNKNOWN" or "NAME_UNKNOWN" => StoreErrorKind.NotFound,
        "DIGEST_INVALID" or "SIZE_INVALID" or "MANIFEST_BLOB_UNKNOWN" => StoreErrorKind.Corrupt,
        "BLOB_UPLOAD_INVALID" or "MANIFEST_INVALID" or "MANIFEST_UNVERIFIED" or "NAME_INVALID" or "TAG_INVALID" or "PAGINATION_NUMBER_INVALID" or "RANGE_INVALID" => StoreErrorKind.Invalid,
        "UNAUTHORIZED" or "DENIED" => StoreErrorKind.Denied,
        "UNSUPPORTED" => StoreErrorKind.Unsupported,
        "TOOMANYREQUESTS" => StoreErrorKind.Transient,
        _ => FromStatus(status),
    };

    /// <summary>The distribution error code that best names a kind (for a server of our own that answers in that API).</summary>
    public static string ToDistributionCode(StoreErrorKind kind) => kind switch
    {
        StoreErrorKind.NotFound => "BLOB_UNKNOWN",
        StoreErrorKind.Corrupt => "DIGEST_INVALID",
        StoreErrorKind.Invalid => "MANIFEST_INVALID",
        StoreErrorKind.Transient => "TOOMANYREQUESTS",
        StoreErrorKind.Denied => "DENIED",
        StoreErrorKind.Unsupported => "UNSUPPORTED",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The kind an HTTP status means when the body names no error code.</summary>
    public static StoreErrorKind FromStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => StoreErrorKind.NotFound,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => StoreErrorKind.Denied,
        HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented => StoreErrorKind.Unsupported,
        HttpStatusCode.BadRequest or HttpStatusCode.RequestedRangeNotSatisfiable or HttpStatusCode.RequestEntityTooLarge => StoreErrorKind.Invalid,
        _ => StoreErrorKind.Transient,
    };
}
