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
    /// <c>PATCH</c>: appends <paramref name="content"/>, read to its end, to the session (chunked transfer,
    /// no Content-Range: the registry appends at its own offset). Returns the session's next location.
    /// Not retried: the content is a stream that cannot be sent twice; the caller starts over.
    /// </summary>
    public async Task<Uri> AppendUploadAsync(Uri location, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(content);
        var baseUri = await _transport.GetBaseUriAsync(cancellationToken);
        CheckSameRegistry(location, baseUri);
        const string operation = "upload blob content";
        return await _transport.ExchangeAsync(
            operation,
            _ =>
            {
                var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new StreamContent(content) };
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
