using System.Diagnostics;
using System.Globalization;
using System.Text;
using LayerCache.Oci;
using LayerCache.Registry;
using LayerCache.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LayerCache.Server;

/// <summary>
/// The distribution API (OCI distribution spec 1.1) over a directory store: one request delegate that
/// routes by <see cref="RegistryRoute"/>, authorizes, and answers. Blobs are global to the store
/// (content-addressed, shared by every repository, so a mount is a check); tags and manifests are per
/// repository through <see cref="RepositoryReferences"/>. Bodies are streamed: a blob never sits in
/// memory, a manifest (bounded to 4 MiB) does.
/// </summary>
internal sealed partial class RegistryHandler
{
    /// <summary>The spec's limit on a manifest (and Distribution's).</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    private static readonly string[] ManifestMediaTypes =
        [MediaType.OciImageManifest, MediaType.OciImageIndex, MediaType.DockerManifest, MediaType.DockerManifestList];

    private readonly FileSystemBlobStore _blobs;
    private readonly IRepositoryReferences _repositories;
    private readonly LayerGuard? _guard;
    private readonly UpstreamLayers? _upstream;
    private readonly EntryUsage? _usage;
    private readonly UploadSessions _sessions;
    private readonly BlobLeases _leases;
    private readonly VerifiedBlobs _verified = new();
    private readonly ServerMetrics _metrics;
    private readonly TokenFile? _tokens;
    private readonly TextWriter? _log;
    private readonly TimeProvider _clock;
    private readonly int _maxUploads;

    public RegistryHandler(FileSystemCacheStore store, UploadSessions sessions, BlobLeases leases, ServerMetrics metrics, TokenFile? tokens, TextWriter? log, TimeProvider clock, int maxUploads, IRepositoryReferences? repositories = null, LayerGuard? guard = null, EntryUsage? usage = null, UpstreamLayers? upstream = null)
    {
        _guard = guard;
        _upstream = upstream;
        _usage = usage;
        _clock = clock;
        _maxUploads = maxUploads;
        _blobs = (FileSystemBlobStore)store.Blobs;
        _repositories = repositories ?? new RepositoryReferences(store);
        _sessions = sessions;
        _leases = leases;
        _metrics = metrics;
        _tokens = tokens;
        _log = log;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var route = RegistryRoute.Parse(raw);
        try
        {
            await DispatchAsync(context, route, context.RequestAborted);
        }
        catch (ContentVerificationException e) when (Observe(e))
        {
            // Never entered: Observe only tells the bridge, and the clauses below answer.
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e) when (e is BadHttpRequestException or Microsoft.AspNetCore.Connections.ConnectionResetException && !context.Response.HasStarted)
        {
            await FailAsync(context, RegistryErrorCode.BlobUploadInvalid, "the request body broke off: " + e.Message);
        }
        catch (Exception e) when (!context.Response.HasStarted && StoreErrors.Classify(e) is { } kind)
        {
            // The store's own classification, answered with the distribution code that names it (one mapping, StoreErrors).
            Log($"event=store-error method={request.Method} path={Clean(raw)} kind={kind} error=\"{Clean(e.Message)}\"");
            await FailAsync(context, RegistryErrorCode.Find(StoreErrors.ToDistributionCode(kind)) ?? RegistryErrorCode.Unknown, Clean(e.Message));
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            Log($"event=error method={request.Method} path={Clean(raw)} error=\"{e.GetType().Name}: {Clean(e.Message)}\"");
            await FailAsync(context, RegistryErrorCode.Unknown, "internal error");
        }
        catch (Exception e)
        {
            // Headers are out: a blob that failed verification mid-stream ends in a broken connection, never in wrong bytes.
            Log($"event=abort method={request.Method} path={Clean(raw)} error=\"{e.GetType().Name}: {Clean(e.Message)}\"");
            context.Abort();
        }
        finally
        {
            var status = context.Response.StatusCode;
            _metrics.CountRequest(request.Method, status);
            Log(string.Create(CultureInfo.InvariantCulture, $"method={request.Method} path={Clean(raw)} status={status} in={(context.Items.TryGetValue(BytesInKey, out var bytes) ? bytes : 0)} ms={Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} remote={context.Connection.RemoteIpAddress}"));
        }
    }

    /// <summary>
    /// Tells the bridge of a blob that failed on its way out (before the first byte, as a guard
    /// refusing gzip magic does, or midway), whichever way it is answered; false, so no clause is taken.
    /// </summary>
    private bool Observe(ContentVerificationException failure)
    {
        _guard?.Failed(failure);
        return false;
    }

    private async Task DispatchAsync(HttpContext context, RegistryRoute route, CancellationToken cancellationToken)
    {
        var method = context.Request.Method;
        switch (route.Kind)
        {
            case RouteKind.Health:
                await TextAsync(context, "ok\n", "text/plain; charset=utf-8", cancellationToken);
                return;
            case RouteKind.Metrics:
                await MetricsAsync(context, cancellationToken);
                return;
            case RouteKind.NotFound:
                await FailAsync(context, RegistryErrorCode.NameUnknown, "no such endpoint", status: 404);
                return;
            case RouteKind.InvalidName:
                await FailAsync(context, RegistryErrorCode.NameInvalid, "invalid repository name");
                return;
        }

        if (!await AuthorizeAsync(context, route))
        {
            return;
        }

        context.Response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        switch (route.Kind, method)
        {
            case (RouteKind.Base, "GET" or "HEAD"):
                context.Response.ContentType = "application/json";
                if (method == "GET")
                {
                    await context.Response.WriteAsync("{}", cancellationToken);
                }

                return;
            case (RouteKind.Blob, "GET" or "HEAD"):
                await GetBlobAsync(context, route, method == "HEAD", cancellationToken);
                return;
            case (RouteKind.Blob, "DELETE"):
                await DeleteBlobAsync(context, route, cancellationToken);
                return;
            case (RouteKind.Upload, "POST") when route.Reference.Length == 0:
                await StartUploadAsync(context, route, cancellationToken);
                return;
            case (RouteKind.Upload, "GET") when route.Reference.Length > 0:
                await UploadStatusAsync(context, route);
                return;
            case (RouteKind.Upload, "PATCH") when route.Reference.Length > 0:
                await PatchUploadAsync(context, route, cancellationToken);
                return;
            case (RouteKind.Upload, "PUT") when route.Reference.Length > 0:
                await FinishUploadAsync(context, route, cancellationToken);
                return;
            case (RouteKind.Upload, "DELETE") when route.Reference.Length > 0:
                await CancelUploadAsync(context, route);
                return;
            case (RouteKind.Manifest, "GET" or "HEAD"):
                await GetManifestAsync(context, route, method == "HEAD", cancellationToken);
                return;
            case (RouteKind.Manifest, "PUT"):
                await PutManifestAsync(context, route, cancellationToken);
                return;
            case (RouteKind.Manifest, "DELETE"):
                await DeleteManifestAsync(context, route, cancellationToken);
                return;
            case (RouteKind.Tags, "GET"):
                await ListTagsAsync(context, route, cancellationToken);
                return;
            case (RouteKind.Referrers, "GET"):
                await ReferrersAsync(context, route, cancellationToken);
                return;
            default:
                await FailAsync(context, RegistryErrorCode.Unsupported, $"{method} is not supported here");
                return;
        }
    }

    /// <summary>
    /// Without a tokens file every request may do everything. With one: no or an unknown token → 401
    /// with a Basic challenge (docker and skopeo then send their credentials), a token without the
    /// scope → 403 DENIED.
    /// </summary>
    private async Task<bool> AuthorizeAsync(HttpContext context, RegistryRoute route)
    {
        if (_tokens is null)
        {
            return true;
        }

        var scopes = TokenOf(context.Request.Headers.Authorization.ToString()) is { } token ? _tokens.Find(token) : null;
        if (scopes is null)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"layercache\"";
            await FailAsync(context, RegistryErrorCode.Unauthorized, "a token is required");
            return false;
        }

        if (route.Kind == RouteKind.Base)
        {
            return true;
        }

        var access = context.Request.Method is "GET" or "HEAD" ? TokenAccess.Read : TokenAccess.Write;
        if (!scopes.Any(s => s.Allows(access, route.Name)))
        {
            await FailAsync(context, RegistryErrorCode.Denied, $"the token has no {access.ToString().ToLowerInvariant()} access to {route.Name}");
            return false;
        }

        if (access == TokenAccess.Write && !scopes.Any(s => s.Allows(access, route.Name) && !s.IsTagLimited)
            && await TagLimitRefusesAsync(route, context.Request.Method, [.. scopes.Where(s => s.Allows(access, route.Name))], context.RequestAborted) is { } refusal)
        {
            await FailAsync(context, RegistryErrorCode.Denied, refusal);
            return false;
        }

        // A mount also reads its source; without read there, the request starts a plain upload (the spec's fallback).
        if (route.Kind == RouteKind.Upload && context.Request.Query["from"].ToString() is { Length: > 0 } from
            && !scopes.Any(s => s.Allows(TokenAccess.Read, from)))
        {
            context.Items[NoMountKey] = true;
        }

        return true;
    }

    /// <summary>
    /// Why tag-limited write grants do not cover this write, or null when they do: uploads and pushes by
    /// digest are content-addressed and always allowed; a tag must match; a manifest deleted by digest must
    /// have only matching tags (deleting it removes them); a blob may be shared, so it is never deleted.
    /// </summary>
    private async Task<string?> TagLimitRefusesAsync(RegistryRoute route, string method, IReadOnlyList<TokenScope> grants, CancellationToken cancellationToken)
    {
        switch (route.Kind)
        {
            case RouteKind.Upload:
                return null;
            case RouteKind.Manifest when !route.Reference.Contains(':', StringComparison.Ordinal):
                return grants.Any(g => g.AllowsTag(route.Reference))
                    ? null
                    : $"the token may write only tags {string.Join(", ", grants.Select(g => g.TagGlob))} of {route.Name}, not {route.Reference}";
            case RouteKind.Manifest when Digest.TryParse(route.Reference, out var digest):
                if (!string.Equals(method, "DELETE", StringComparison.Ordinal))
                {
                    return null;
                }

                await foreach (var reference in _repositories.ListAsync(route.Name, cancellationToken))
                {
                    if (reference.Digest == digest && reference.GetAnnotation(RepositoryReferences.TagAnnotation) is { } tag && !grants.Any(g => g.AllowsTag(tag)))
                    {
                        return $"the token may write only tags {string.Join(", ", grants.Select(g => g.TagGlob))} of {route.Name}, and {route.Reference} is tagged {tag}";
                    }
                }

                return null;
            case RouteKind.Manifest:
                // An unparsable digest: the handler answers DIGEST_INVALID.
                return null;
            default:
                return $"the token may write only tags {string.Join(", ", grants.Select(g => g.TagGlob))} of {route.Name}, which does not cover deleting blobs";
        }
    }

    private const string NoMountKey = "layercache.no-mount";

    /// <summary>Request body bytes taken into the store, for the log line.</summary>
    private const string BytesInKey = "layercache.bytes-in";

    private static string? TokenOf(string header)
    {
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header[7..].Trim();
        }

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return colon >= 0 ? decoded[(colon + 1)..] : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    private async Task MetricsAsync(HttpContext context, CancellationToken cancellationToken)
    {
        await TextAsync(context, _metrics.Render(), "text/plain; version=0.0.4; charset=utf-8", cancellationToken);
    }

    private static async Task TextAsync(HttpContext context, string text, string contentType, CancellationToken cancellationToken)
    {
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.ContentLength = bytes.Length;
        if (context.Request.Method != "HEAD")
        {
            await context.Response.Body.WriteAsync(bytes, cancellationToken);
        }
    }

    /// <summary>Answers with the spec's error envelope; the status is the code's unless given.</summary>
    private static async Task FailAsync(HttpContext context, RegistryErrorCode code, string? message = null, int? status = null)
    {
        var response = context.Response;
        response.StatusCode = status ?? (int)code.Status;
        response.ContentType = "application/json";
        var body = ErrorEnvelope.Serialize([RegistryError.From(code, message)]);
        response.ContentLength = body.Length;
        if (context.Request.Method != "HEAD")
        {
            await response.Body.WriteAsync(body, CancellationToken.None);
        }
    }

    private void Log(string line)
    {
        if (_log is { } log)
        {
            lock (log)
            {
                log.WriteLine($"ts={DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {line}");
            }
        }
    }

    private static string Clean(string text) => text.Length > 300 ? text[..300] : text.Replace('"', '\'').ReplaceLineEndings(" ");
}
