using System.Net;
using System.Net.Http.Headers;
using LayerCache.Oci;

namespace LayerCache.Registry.Client;

/// <summary>
/// Upload sessions driven step by step (start, append, complete, cancel), for callers that do not know
/// a blob's digest before its content has been sent: a registry store hashes a layer as it streams it
/// and names it only at the final PUT (the distribution spec's "streamed" upload).
/// </summary>
public sealed partial class RegistryClient
{
    /// <summary><c>POST /v2/REPO/blobs/uploads/</c>: opens an upload session and returns its location.</summary>
    public async Task<Uri> StartUploadAsync(string repository, CancellationToken cancellationToken)
    {
        CheckRepository(repository);
        var baseUri = await _transport.GetBaseUriAsync(cancellationToken);
        var operation = $"start upload {repository}";
        return await _transport.ExchangeAsync(
            operation,
            b => new HttpRequestMessage(HttpMethod.Post, new Uri(b, $"v2/{repository}/blobs/uploads/")),
            async (response, ct) => response.StatusCode == HttpStatusCode.Accepted
                ? UploadLocation(response, baseUri, operation)
                : throw await RegistryTransport.FailureAsync(response, operation, ct),

            // Nothing was sent yet, so a transient failure is simply asked again.
            retry: true,
            cancellationToken);
    }

    /// <summary>
    /// <c>PATCH</c>: appends <paramref name="content"/> to the session at the registry's own offset (no
    /// Content-Range: the distribution spec's streamed upload, which every registry takes) and returns the
    /// session's next location. The content is held in memory by the caller until the registry confirms
    /// it, so that a broken request can be continued from <see cref="GetUploadStatusAsync"/>'s offset; not
    /// retried here, because whether the registry kept part of a failed request is the status's to say.
    /// </summary>
    public async Task<Uri> AppendUploadAsync(Uri location, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        var baseUri = await _transport.GetBaseUriAsync(cancellationToken);
        CheckSameRegistry(location, baseUri);
        const string operation = "upload blob content";
        return await _transport.ExchangeAsync(
            operation,
            _ =>
            {
                var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ReadOnlyMemoryContent(content) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return request;
            },
            async (response, ct) => response.StatusCode == HttpStatusCode.Accepted
                ? UploadLocation(response, baseUri, operation)
                : throw await RegistryTransport.FailureAsync(response, operation, ct),
            retry: false,
            cancellationToken);
    }

    /// <summary>
    /// <c>GET</c> of an upload session: how many bytes the registry holds (from its <c>Range: 0-END</c>)
    /// and the location to continue at. Retried (it changes nothing). A registry that holds nothing and
    /// one that holds one byte both answer <c>0-0</c>; this reads it as nothing, and a wrong guess ends
    /// at the registry's digest check when the upload completes, never in a wrong blob.
    /// </summary>
    /// <exception cref="RegistryException">The session is gone or was invalidated (Distribution cancels a session whose offset moved under its state token).</exception>
    public async Task<UploadStatus> GetUploadStatusAsync(Uri location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        var baseUri = await _transport.GetBaseUriAsync(cancellationToken);
        CheckSameRegistry(location, baseUri);
        const string operation = "upload status";
        return await _transport.ExchangeAsync(
            operation,
            _ => new HttpRequestMessage(HttpMethod.Get, location),
            async (response, ct) =>
            {
                if (response.StatusCode != HttpStatusCode.NoContent)
                {
                    throw await RegistryTransport.FailureAsync(response, operation, ct);
                }

                if (!response.Headers.TryGetValues("Range", out var values) || !TryParseUploadRange(values.FirstOrDefault(), out var held))
                {
                    throw new RegistryException(RegistryErrorKind.Invalid, $"{operation}: the registry's answer has no valid Range header");
                }

                // A status answer without a Location keeps the one asked.
                var next = response.Headers.Location is null ? location : UploadLocation(response, baseUri, operation);
                return new UploadStatus(next, held);
            },
            retry: true,
            cancellationToken);
    }

    /// <summary><c>0-END</c> (no <c>bytes=</c> unit, as the distribution spec writes it) to the number of bytes held.</summary>
    internal static bool TryParseUploadRange(string? header, out long held)
    {
        held = 0;
        if (header is null || !header.StartsWith("0-", StringComparison.Ordinal)
            || !long.TryParse(header.AsSpan(2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var end))
        {
            return false;
        }

        held = end == 0 ? 0 : end + 1;
        return true;
    }

    /// <summary>
    /// <c>PUT ?digest=</c> with no body: closes the session, and the registry makes the blob visible under
    /// <paramref name="digest"/> only when what it received hashes to it (else <see cref="RegistryErrorKind.Corrupt"/>).
    /// </summary>
    public async Task CompleteUploadAsync(Uri location, Digest digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        var baseUri = await _transport.GetBaseUriAsync(cancellationToken);
        CheckSameRegistry(location, baseUri);
        var operation = $"complete upload {digest}";
        await _transport.ExchangeAsync(
            operation,
            _ =>
            {
                var target = new UriBuilder(location);
                target.Query = (target.Query.Length > 1 ? target.Query[1..] + "&" : string.Empty) + "digest=" + Uri.EscapeDataString(digest.Value);
                var request = new HttpRequestMessage(HttpMethod.Put, target.Uri) { Content = new ByteArrayContent([]) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return request;
            },
            async (response, ct) => response.StatusCode == HttpStatusCode.Created
                ? true
                : throw await RegistryTransport.FailureAsync(response, operation, ct),
            retry: false,
            cancellationToken);
    }

    /// <summary>Best effort <c>DELETE</c> of an upload session (the registry purges abandoned ones itself).</summary>
    public async Task AbandonUploadAsync(Uri location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var baseUri = await _transport.GetBaseUriAsync(CancellationToken.None);
        CheckSameRegistry(location, baseUri);
        await CancelUploadAsync(location);
    }

    private static void CheckSameRegistry(Uri location, Uri baseUri)
    {
        if (!location.IsAbsoluteUri || location.Scheme != baseUri.Scheme || location.Authority != baseUri.Authority)
        {
            throw new ArgumentException("the upload location is not on this registry", nameof(location));
        }
    }
}
