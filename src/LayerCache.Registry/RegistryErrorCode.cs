using System.Net;

namespace LayerCache.Registry;

/// <summary>
/// One error code of the distribution API (distribution-spec "Error Codes", Distribution's
/// <c>registry/api/errcode</c> and <c>registry/api/v2/errors.go</c>): its wire name, the HTTP status a
/// registry answers it with, and what it means to a caller. Shared by the client (to classify an
/// answer) and a server (to produce one).
/// </summary>
public sealed record RegistryErrorCode
{
    private static readonly Dictionary<string, RegistryErrorCode> ByName = new(StringComparer.Ordinal);

    private RegistryErrorCode(string name, HttpStatusCode status, RegistryErrorKind kind, string message)
    {
        Name = name;
        Status = status;
        Kind = kind;
        Message = message;
        ByName[name] = this;
    }

    /// <summary>The wire name, e.g. <c>BLOB_UNKNOWN</c>.</summary>
    public string Name { get; }

    /// <summary>The HTTP status registries answer this code with.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>What the code means to a caller.</summary>
    public RegistryErrorKind Kind { get; }

    /// <summary>The spec's default message.</summary>
    public string Message { get; }

    /// <summary>The blob is not in the repository.</summary>
    public static RegistryErrorCode BlobUnknown { get; } = new("BLOB_UNKNOWN", HttpStatusCode.NotFound, RegistryErrorKind.NotFound, "blob unknown to registry");

    /// <summary>The upload failed; the client may try again.</summary>
    public static RegistryErrorCode BlobUploadInvalid { get; } = new("BLOB_UPLOAD_INVALID", HttpStatusCode.BadRequest, RegistryErrorKind.Invalid, "blob upload invalid");

    /// <summary>The upload session is unknown (expired, cancelled, or never started).</summary>
    public static RegistryErrorCode BlobUploadUnknown { get; } = new("BLOB_UPLOAD_UNKNOWN", HttpStatusCode.NotFound, RegistryErrorKind.NotFound, "blob upload unknown to registry");

    /// <summary>The uploaded content does not match the digest given.</summary>
    public static RegistryErrorCode DigestInvalid { get; } = new("DIGEST_INVALID", HttpStatusCode.BadRequest, RegistryErrorKind.Corrupt, "provided digest did not match uploaded content");

    /// <summary>A manifest references a blob the repository lacks.</summary>
    public static RegistryErrorCode ManifestBlobUnknown { get; } = new("MANIFEST_BLOB_UNKNOWN", HttpStatusCode.NotFound, RegistryErrorKind.Invalid, "blob unknown to registry");

    /// <summary>The manifest is malformed or fails validation.</summary>
    public static RegistryErrorCode ManifestInvalid { get; } = new("MANIFEST_INVALID", HttpStatusCode.BadRequest, RegistryErrorKind.Invalid, "manifest invalid");

    /// <summary>The manifest (by tag or digest) is not in the repository.</summary>
    public static RegistryErrorCode ManifestUnknown { get; } = new("MANIFEST_UNKNOWN", HttpStatusCode.NotFound, RegistryErrorKind.NotFound, "manifest unknown");

    /// <summary>A schema 1 signature did not verify.</summary>
    public static RegistryErrorCode ManifestUnverified { get; } = new("MANIFEST_UNVERIFIED", HttpStatusCode.BadRequest, RegistryErrorKind.Invalid, "manifest failed signature verification");

    /// <summary>The repository name is malformed.</summary>
    public static RegistryErrorCode NameInvalid { get; } = new("NAME_INVALID", HttpStatusCode.BadRequest, RegistryErrorKind.Invalid, "invalid repository name");

    /// <summary>The repository is not known to the registry.</summary>
    public static RegistryErrorCode NameUnknown { get; } = new("NAME_UNKNOWN", HttpStatusCode.NotFound, RegistryErrorKind.NotFound, "repository name not known to registry");

    /// <summary>The content length does not match the size given.</summary>
    public static RegistryErrorCode SizeInvalid { get; } = new("SIZE_INVALID", HttpStatusCode.BadRequest, RegistryErrorKind.Invalid, "provided length did not match content length");

    /// <summary>The tag is malformed (or, in schema 1, does not match the manifest).</summary>
    public static RegistryErrorCode TagInvalid { get; } = new("TAG_INVALID", HttpStatusCode.BadRequest, RegistryErrorKind.Invalid, "manifest tag did not match URI");

    /// <summary>Authentication is required.</summary>
    public static RegistryErrorCode Unauthorized { get; } = new("UNAUTHORIZED", HttpStatusCode.Unauthorized, RegistryErrorKind.Denied, "authentication required");

    /// <summary>The credentials do not allow the operation.</summary>
    public static RegistryErrorCode Denied { get; } = new("DENIED", HttpStatusCode.Forbidden, RegistryErrorKind.Denied, "requested access to the resource is denied");

    /// <summary>The operation is not supported by this registry.</summary>
    public static RegistryErrorCode Unsupported { get; } = new("UNSUPPORTED", HttpStatusCode.MethodNotAllowed, RegistryErrorKind.Unsupported, "the operation is unsupported");

    /// <summary>Rate limited; try again later.</summary>
    public static RegistryErrorCode TooManyRequests { get; } = new("TOOMANYREQUESTS", HttpStatusCode.TooManyRequests, RegistryErrorKind.Transient, "too many requests");

    /// <summary>Distribution's <c>UNKNOWN</c>: an error the registry did not classify (a 500).</summary>
    public static RegistryErrorCode Unknown { get; } = new("UNKNOWN", HttpStatusCode.InternalServerError, RegistryErrorKind.Transient, "unknown error");

    /// <summary>Distribution's <c>UNAVAILABLE</c>: the service is unavailable (a 503).</summary>
    public static RegistryErrorCode Unavailable { get; } = new("UNAVAILABLE", HttpStatusCode.ServiceUnavailable, RegistryErrorKind.Transient, "service unavailable");

    /// <summary>Distribution's <c>RANGE_INVALID</c>: an upload chunk out of order.</summary>
    public static RegistryErrorCode RangeInvalid { get; } = new("RANGE_INVALID", HttpStatusCode.RequestedRangeNotSatisfiable, RegistryErrorKind.Invalid, "invalid content range");

    /// <summary>Distribution's <c>PAGINATION_NUMBER_INVALID</c>: a bad <c>n</c> in a tags or catalog list.</summary>
    public static RegistryErrorCode PaginationNumberInvalid { get; } = new("PAGINATION_NUMBER_INVALID", HttpStatusCode.BadRequest, RegistryErrorKind.Invalid, "invalid number of results requested");

    /// <summary>Every code in the table.</summary>
    public static IReadOnlyCollection<RegistryErrorCode> All => ByName.Values;

    /// <summary>The code with wire name <paramref name="name"/>, or null for a code not in the table (registries add their own).</summary>
    public static RegistryErrorCode? Find(string? name)
    {
        return name is not null && ByName.TryGetValue(name, out var code) ? code : null;
    }

    /// <summary>
    /// What an HTTP status means when no known code says more: 404 not found, 401/403 denied,
    /// 408/429/5xx transient, 405/501 unsupported, other 4xx invalid.
    /// </summary>
    public static RegistryErrorKind KindOf(HttpStatusCode status) => (int)status switch
    {
        404 => RegistryErrorKind.NotFound,
        401 or 403 => RegistryErrorKind.Denied,
        405 or 501 => RegistryErrorKind.Unsupported,
        408 or 429 => RegistryErrorKind.Transient,
        >= 500 => RegistryErrorKind.Transient,
        _ => RegistryErrorKind.Invalid,
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}
