using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using LayerCache.Oci;

namespace LayerCache.Registry.Client;

/// <summary>
/// A client of one registry over the distribution API v2: ping, manifests (OCI and Docker media types,
/// index → platform), blobs streamed and verified with Range resume, uploads (monolithic, chunked,
/// cross-repository mount, skipped when the registry has the blob), tags with pagination, deletes.
/// Authentication (anonymous, Basic, Bearer token) and retries with backoff are handled underneath.
/// Every failure is a <see cref="RegistryException"/> with a <see cref="RegistryErrorKind"/>; every small
/// document read is bounded at <see cref="DocumentReader.MaxSize"/>; blobs move as streams.
/// Thread-safe; dispose it to close its connections.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    /// <summary>The Accept list for manifests: every image manifest and index type this client understands.</summary>
    public static readonly IReadOnlyList<string> ManifestMediaTypes =
        [MediaType.OciImageManifest, MediaType.OciImageIndex, MediaType.DockerManifest, MediaType.DockerManifestList];

    private const int MaxTagPages = 10_000;

    private readonly RegistryTransport _transport;

    /// <summary>A client for the registry <paramref name="options"/> names.</summary>
    /// <exception cref="RegistryException">The CA file cannot be read (<see cref="RegistryErrorKind.Invalid"/>).</exception>
    public RegistryClient(RegistryClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Registry);
        _transport = new RegistryTransport(options);
    }

    /// <summary>The registry host (with port) this client talks to.</summary>
    public string Registry => _transport.Options.Registry;

    /// <summary>How this client reaches its registry (retries, chunk size, ...).</summary>
    public RegistryClientOptions Options => _transport.Options;

    /// <summary>The authentication scheme the registry asked for, once it has (null while anonymous access sufficed).</summary>
    public AuthChallenge? Challenge => _transport.Challenge;

    /// <summary>True when <paramref name="repository"/> is a valid repository name (distribution-spec grammar, at most 255 characters).</summary>
    public static bool IsValidRepository(string? repository) =>
        repository is { Length: > 0 and <= 255 } && RepositoryRegex().IsMatch(repository);

    /// <summary><c>GET /v2/</c>: checks the registry speaks the API, and (authenticating if it asks) that the credentials work.</summary>
    public async Task<RegistryPing> PingAsync(CancellationToken cancellationToken)
    {
        var baseUri = await _transport.GetBaseUriAsync(cancellationToken);
        return await _transport.ExchangeAsync(
            $"ping {Registry}",
            b => new HttpRequestMessage(HttpMethod.Get, new Uri(b, "v2/")),
            async (response, ct) =>
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw await RegistryTransport.FailureAsync(response, $"ping {Registry}", ct);
                }

                var version = response.Headers.TryGetValues("Docker-Distribution-API-Version", out var values) ? values.FirstOrDefault() : null;
                var challenges = _transport.Challenge is { } c ? new[] { c } : [];
                return new RegistryPing(baseUri, version, challenges);
            },
            retry: true,
            cancellationToken);
    }

    /// <summary>
    /// <c>HEAD</c> of a manifest by tag or digest: its descriptor (media type, digest, size) without its
    /// content, or null when the registry has no such manifest. Falls back to a GET when the registry does
    /// not send <c>Docker-Content-Digest</c>.
    /// </summary>
    public async Task<Descriptor?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        CheckRepository(repository);
        var expected = CheckReference(reference);
        var operation = $"HEAD manifest {repository}:{reference}";
        var descriptor = await _transport.ExchangeAsync(
            operation,
            b => ManifestRequest(HttpMethod.Head, b, repository, reference),
            async (response, ct) =>
            {
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return (Descriptor?)null;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw await RegistryTransport.FailureAsync(response, operation, ct);
                }

                if (DigestHeader(response) is not { } digest || response.Content.Headers.ContentLength is not { } size || MediaTypeOf(response) is not { } mediaType)
                {
                    return new Descriptor { MediaType = string.Empty, Digest = default, Size = -1 };
                }

                if (expected is { } e && e != digest)
                {
                    throw new RegistryException(RegistryErrorKind.Corrupt, $"{operation}: the registry answered for {digest}");
                }

                return new Descriptor { MediaType = mediaType, Digest = digest, Size = size };
            },
            retry: true,
            cancellationToken);
        if (descriptor is { Size: < 0 })
        {
            return (await GetManifestAsync(repository, reference, cancellationToken))?.Descriptor;
        }

        return descriptor;
    }

    /// <summary>
    /// <c>GET</c> of a manifest or index by tag or digest, read bounded and verified (against the digest
    /// asked for, else against <c>Docker-Content-Digest</c>); null when the registry has no such manifest.
    /// </summary>
    public async Task<RegistryManifest?> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        CheckRepository(repository);
        var expected = CheckReference(reference);
        var operation = $"GET manifest {repository}:{reference}";
        return await _transport.ExchangeAsync(
            operation,
            b => ManifestRequest(HttpMethod.Get, b, repository, reference),
            async (response, ct) =>
            {
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw await RegistryTransport.FailureAsync(response, operation, ct);
                }

                byte[] content;
                await using (var stream = await response.Content.ReadAsStreamAsync(ct))
                {
                    content = await DocumentReader.ReadAsync(stream, operation, ct);
                }

                var claimed = expected ?? DigestHeader(response);
                var actual = Digest.Compute(claimed?.Algorithm ?? DigestAlgorithm.Sha256, content);
                if (claimed is { } c && c != actual)
                {
                    throw new RegistryException(RegistryErrorKind.Corrupt, $"{operation}: the content hashes to {actual}, not {c}");
                }

                var mediaType = MediaTypeOf(response);
                if (mediaType is null || !(MediaType.IsManifest(mediaType) || MediaType.IsIndex(mediaType)))
                {
                    mediaType = OciJson.PeekMediaType(content) ?? mediaType ?? string.Empty;
                }

                return new RegistryManifest(new Descriptor { MediaType = mediaType, Digest = actual, Size = content.Length }, content);
            },
            retry: true,
            cancellationToken);
    }

    /// <summary>
    /// <c>PUT</c> of a manifest or index under a tag or its digest. The registry checks that every blob it
    /// references is there (<see cref="RegistryErrorCode.ManifestBlobUnknown"/> otherwise).
    /// </summary>
    /// <returns>The descriptor of what was stored.</returns>
    public async Task<Descriptor> PutManifestAsync(string repository, string reference, string mediaType, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        CheckRepository(repository);
        var expected = CheckReference(reference);
        ArgumentException.ThrowIfNullOrWhiteSpace(mediaType);
        if (content.Length > DocumentReader.MaxSize)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"PUT manifest {repository}:{reference}: {content.Length} bytes is over the {DocumentReader.MaxSize}-byte bound");
        }

        var digest = Digest.Compute(expected?.Algorithm ?? DigestAlgorithm.Sha256, content.Span);
        if (expected is { } e && e != digest)
        {
            throw new ArgumentException($"the manifest hashes to {digest}, not to the digest {e} it is put under", nameof(reference));
        }

        var operation = $"PUT manifest {repository}:{reference}";
        var bytes = content.ToArray();
        return await _transport.ExchangeAsync(
            operation,
            b =>
            {
                var request = new HttpRequestMessage(HttpMethod.Put, Address(b, repository, "manifests", reference)) { Content = new ByteArrayContent(bytes) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return request;
            },
            async (response, ct) =>
            {
                if (response.StatusCode != HttpStatusCode.Created && !response.IsSuccessStatusCode)
                {
                    throw await RegistryTransport.FailureAsync(response, operation, ct);
                }

                if (DigestHeader(response) is { } stored && stored.Algorithm == digest.Algorithm && stored != digest)
                {
                    throw new RegistryException(RegistryErrorKind.Invalid, $"{operation}: the registry stored it as {stored}, not {digest}");
                }

                return new Descriptor { MediaType = mediaType, Digest = digest, Size = bytes.Length };
            },
            retry: true,
            cancellationToken);
    }

    /// <summary>
    /// Resolves a tag or digest to the image manifest for <paramref name="platform"/>: a HEAD, plus a GET of
    /// the index when the reference names a multi-platform index. Null when the reference does not exist.
    /// </summary>
    /// <exception cref="RegistryException"><see cref="RegistryErrorKind.NotFound"/> when the index has no manifest for the platform.</exception>
    public async Task<ResolvedImage?> ResolveAsync(string repository, string reference, Platform platform, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var head = await HeadManifestAsync(repository, reference, cancellationToken);
        if (head is null)
        {
            return null;
        }

        if (!MediaType.IsIndex(head.MediaType))
        {
            return new ResolvedImage(head, null);
        }

        var index = await GetManifestAsync(repository, head.Digest.Value, cancellationToken)
            ?? throw new RegistryException(RegistryErrorKind.NotFound, $"resolve {repository}:{reference}: the index {head.Digest} vanished");
        ImageIndex parsed;
        try
        {
            parsed = index.AsIndex();
        }
        catch (OciFormatException e)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"resolve {repository}:{reference}: {e.Message}", innerException: e);
        }

        var match = parsed.Manifests.FirstOrDefault(m => MediaType.IsManifest(m.MediaType) && m.Platform is { } p && p.Matches(platform))
            ?? throw new RegistryException(RegistryErrorKind.NotFound, $"resolve {repository}:{reference}: the index {head.Digest} has no manifest for {platform}");
        return new ResolvedImage(match, index.Descriptor);
    }

    /// <summary>Deletes a manifest by digest: true if deleted, false if it was not there.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryErrorKind.Unsupported"/> when the registry does not allow deletes.</exception>
    public Task<bool> DeleteManifestAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        DeleteAsync(repository, "manifests", digest, cancellationToken);

    /// <summary>Deletes a blob from a repository: true if deleted, false if it was not there.</summary>
    /// <exception cref="RegistryException"><see cref="RegistryErrorKind.Unsupported"/> when the registry does not allow deletes.</exception>
    public Task<bool> DeleteBlobAsync(string repository, Digest digest, CancellationToken cancellationToken) =>
        DeleteAsync(repository, "blobs", digest, cancellationToken);

    /// <summary><c>HEAD</c> of a blob: its size, or null when the repository does not have it.</summary>
    public async Task<long?> HeadBlobAsync(string repository, Digest digest, CancellationToken cancellationToken)
    {
        CheckRepository(repository);
        var operation = $"HEAD blob {repository}@{digest}";
        return await _transport.ExchangeAsync(
            operation,
            b => new HttpRequestMessage(HttpMethod.Head, Address(b, repository, "blobs", digest.Value)),
            async (response, ct) =>
            {
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return (long?)null;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw await RegistryTransport.FailureAsync(response, operation, ct);
                }

                return response.Content.Headers.ContentLength ?? throw new RegistryException(RegistryErrorKind.Invalid, $"{operation}: no Content-Length");
            },
            retry: true,
            cancellationToken);
    }

    /// <summary>
    /// Opens a blob for reading: streamed, verified against <paramref name="digest"/> (and
    /// <paramref name="size"/> when given) as it is read, resumed with a Range request after a dropped
    /// connection. The caller disposes the stream.
    /// </summary>
    /// <exception cref="RegistryException"><see cref="RegistryErrorKind.NotFound"/> when the repository does not have the blob.</exception>
    public async Task<BlobReadStream> OpenBlobAsync(string repository, Digest digest, long? size, CancellationToken cancellationToken)
    {
        CheckRepository(repository);
        var operation = $"GET blob {repository}@{digest}";
        var network = await ResumingBlobStream.OpenAsync(_transport, operation, b => Address(b, repository, "blobs", digest.Value), cancellationToken);
        return new BlobReadStream(network, digest, size, operation);
    }

    /// <summary>
    /// Pushes a blob only if the repository lacks it: a HEAD first (the content is never opened when the
    /// blob is there), then a cross-repository mount if <see cref="BlobUploadOptions.MountFrom"/> is set,
    /// then an upload (one PUT, or PATCH chunks). <paramref name="openContent"/> is called once per upload
    /// attempt (a transient failure starts the upload again, within the retry bound); what it yields is
    /// verified against <paramref name="digest"/> and <paramref name="size"/> as it is sent, and the
    /// registry makes the blob visible only after the final PUT checked the digest, so a failed upload
    /// leaves nothing at the digest.
    /// </summary>
    public async Task<BlobPushOutcome> PushBlobAsync(
        string repository,
        Digest digest,
        long size,
        Func<CancellationToken, Task<Stream>> openContent,
        BlobUploadOptions? options,
        CancellationToken cancellationToken)
    {
        CheckRepository(repository);
        ArgumentNullException.ThrowIfNull(openContent);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        options ??= BlobUploadOptions.Default;
        if (options.MountFrom is { } from)
        {
            CheckRepository(from);
        }

        if (!options.SkipExistenceCheck && await HeadBlobAsync(repository, digest, cancellationToken) is not null)
        {
            return BlobPushOutcome.Existed;
        }

        return await _transport.Retry.ExecuteAsync(
            async token => await UploadOnceAsync(repository, digest, size, openContent, options, token),
            cancellationToken);
    }

    /// <summary>
    /// The tags of a repository, page by page (<c>n</c> per page when &gt; 0, following <c>Link: rel="next"</c>
    /// within the registry only). A repository the registry does not know has no tags.
    /// </summary>
    public async IAsyncEnumerable<string> ListTagsAsync(string repository, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        CheckRepository(repository);
        var baseUri = await _transport.GetBaseUriAsync(cancellationToken);
        var next = new Uri(baseUri, $"v2/{repository}/tags/list" + (pageSize > 0 ? $"?n={pageSize}" : string.Empty));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 0; next is not null; page++)
        {
            if (page >= MaxTagPages || !seen.Add(next.PathAndQuery))
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"list tags {repository}: the pagination does not end");
            }

            var address = next;
            var operation = $"list tags {repository}";
            var (tags, link) = await _transport.ExchangeAsync(
                operation,
                _ => new HttpRequestMessage(HttpMethod.Get, address),
                async (response, ct) =>
                {
                    if (response.StatusCode == HttpStatusCode.NotFound)
                    {
                        var failure = await RegistryTransport.FailureAsync(response, operation, ct);
                        if (failure.Has(RegistryErrorCode.NameUnknown) || failure.Errors.Count == 0)
                        {
                            return ((IReadOnlyList<string>)[], (string?)null);
                        }

                        throw failure;
                    }

                    if (!response.IsSuccessStatusCode)
                    {
                        throw await RegistryTransport.FailureAsync(response, operation, ct);
                    }

                    byte[] body;
                    await using (var stream = await response.Content.ReadAsStreamAsync(ct))
                    {
                        body = await DocumentReader.ReadAsync(stream, operation, ct);
                    }

                    var linkValues = response.Headers.TryGetValues("Link", out var values) ? values : [];
                    return (ParseTags(body, operation), LinkHeader.FindNext(linkValues));
                },
                retry: true,
                cancellationToken);
            foreach (var tag in tags)
            {
                yield return tag;
            }

            next = null;
            if (link is not null)
            {
                if (!Uri.TryCreate(address, link, out var target)
                    || target.Scheme != baseUri.Scheme || target.Authority != baseUri.Authority
                    || !target.AbsolutePath.StartsWith($"/v2/{repository}/tags/list", StringComparison.Ordinal))
                {
                    throw new RegistryException(RegistryErrorKind.Invalid, $"list tags {repository}: the next page link leaves the registry's tag list");
                }

                next = target;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _transport.Dispose();

    internal static IReadOnlyList<string> ParseTags(ReadOnlySpan<byte> body, string operation)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"{operation}: the answer is not a tag list");
            }

            if (!document.RootElement.TryGetProperty("tags", out var tags) || tags.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (tags.ValueKind != JsonValueKind.Array)
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"{operation}: \"tags\" is not a list");
            }

            var result = new List<string>();
            foreach (var tag in tags.EnumerateArray())
            {
                // A tag that is not a valid tag is the registry's problem, not a reason to trust it.
                if (tag.ValueKind == JsonValueKind.String && tag.GetString() is { } text && ImageReference.IsValidTag(text))
                {
                    result.Add(text);
                }
            }

            return result;
        }
        catch (JsonException e)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{operation}: the answer is not JSON", innerException: e);
        }
    }

    private static Uri Address(Uri baseUri, string repository, string kind, string reference) =>
        new(baseUri, $"v2/{repository}/{kind}/{reference}");

    private static HttpRequestMessage ManifestRequest(HttpMethod method, Uri baseUri, string repository, string reference)
    {
        var request = new HttpRequestMessage(method, Address(baseUri, repository, "manifests", reference));
        foreach (var type in ManifestMediaTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        return request;
    }

    private static Digest? DigestHeader(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var digest) ? digest : null;

    private static string? MediaTypeOf(HttpResponseMessage response) => response.Content.Headers.ContentType?.MediaType;

    private static void CheckRepository(string repository)
    {
        if (!IsValidRepository(repository))
        {
            throw new ArgumentException($"'{repository}' is not a valid repository name", nameof(repository));
        }
    }

    /// <summary>The digest a reference names, or null for a tag; throws for neither.</summary>
    private static Digest? CheckReference(string reference)
    {
        if (Digest.TryParse(reference, out var digest))
        {
            return digest;
        }

        if (!ImageReference.IsValidTag(reference))
        {
            throw new ArgumentException($"'{reference}' is neither a tag nor a digest", nameof(reference));
        }

        return null;
    }

    private async Task<bool> DeleteAsync(string repository, string kind, Digest digest, CancellationToken cancellationToken)
    {
        CheckRepository(repository);
        var operation = $"DELETE {kind[..^1]} {repository}@{digest}";
        return await _transport.ExchangeAsync(
            operation,
            b => new HttpRequestMessage(HttpMethod.Delete, Address(b, repository, kind, digest.Value)),
            async (response, ct) =>
            {
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }

                var failure = await RegistryTransport.FailureAsync(response, operation, ct);
                return failure.Kind == RegistryErrorKind.NotFound ? false : throw failure;
            },
            retry: true,
            cancellationToken);
    }

    private async Task<BlobPushOutcome> UploadOnceAsync(
        string repository,
        Digest digest,
        long size,
        Func<CancellationToken, Task<Stream>> openContent,
        BlobUploadOptions options,
        CancellationToken cancellationToken)
    {
        var baseUri = await _transport.GetBaseUriAsync(cancellationToken);
        var operation = $"upload blob {repository}@{digest}";

        // 1. Start a session, or mount (201: done without a byte sent; 202: the mount failed, upload instead).
        var (mounted, location) = await _transport.ExchangeAsync(
            operation,
            b =>
            {
                var query = options.MountFrom is { } from ? $"?mount={Uri.EscapeDataString(digest.Value)}&from={Uri.EscapeDataString(from)}" : string.Empty;
                return new HttpRequestMessage(HttpMethod.Post, new Uri(b, $"v2/{repository}/blobs/uploads/{query}"));
            },
            async (response, ct) =>
            {
                if (response.StatusCode == HttpStatusCode.Created && options.MountFrom is not null)
                {
                    return (true, (Uri?)null);
                }

                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw await RegistryTransport.FailureAsync(response, operation, ct);
                }

                return (false, UploadLocation(response, baseUri, operation));
            },
            retry: false,
            cancellationToken);
        if (mounted)
        {
            return BlobPushOutcome.Mounted;
        }

        try
        {
            await using var content = await openContent(cancellationToken);
            await using var verified = new VerifyingStream(content, digest, size, $"the content of {digest}", leaveOpen: true);
            var chunk = options.Chunked ? Math.Max(1, _transport.Options.ChunkSize) : 0;
            long sent = 0;
            while (chunk > 0 && sent < size)
            {
                var length = Math.Min(chunk, size - sent);
                var start = sent;
                location = await _transport.ExchangeAsync(
                    operation,
                    _ =>
                    {
                        var request = new HttpRequestMessage(HttpMethod.Patch, location!) { Content = new StreamContent(new ChunkStream(verified, length)) };
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                        request.Content.Headers.ContentLength = length;
                        request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + length - 1}");
                        return request;
                    },
                    async (response, ct) => response.StatusCode == HttpStatusCode.Accepted
                        ? UploadLocation(response, baseUri, operation)
                        : throw await RegistryTransport.FailureAsync(response, operation, ct),
                    retry: false,
                    cancellationToken);
                sent += length;
            }

            var remaining = size - sent;
            await _transport.ExchangeAsync(
                operation,
                _ =>
                {
                    var target = new UriBuilder(location!);
                    target.Query = (target.Query.Length > 1 ? target.Query[1..] + "&" : string.Empty) + "digest=" + Uri.EscapeDataString(digest.Value);
                    var request = new HttpRequestMessage(HttpMethod.Put, target.Uri)
                    {
                        Content = remaining > 0 ? new StreamContent(new ChunkStream(verified, remaining)) : new ByteArrayContent([]),
                    };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    request.Content.Headers.ContentLength = remaining;
                    return request;
                },
                async (response, ct) => response.StatusCode == HttpStatusCode.Created
                    ? true
                    : throw await RegistryTransport.FailureAsync(response, operation, ct),
                retry: false,
                cancellationToken);
            return BlobPushOutcome.Uploaded;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await CancelUploadAsync(location!);
            if (RegistryTransport.Translate(e, operation, cancellationToken) is { } translated)
            {
                throw translated;
            }

            throw;
        }
    }

    /// <summary>Best effort: tells the registry to drop a failed session, so it does not linger until purged.</summary>
    private async Task CancelUploadAsync(Uri location)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _transport.ExchangeAsync("cancel upload", _ => new HttpRequestMessage(HttpMethod.Delete, location), (_, _) => Task.FromResult(true), retry: false, timeout.Token);
        }
        catch (Exception e) when (e is RegistryException or OperationCanceledException)
        {
            // The registry purges abandoned sessions itself.
        }
    }

    /// <summary>The session's next address: <c>Location</c>, resolved against the registry and refused if it points elsewhere.</summary>
    private static Uri UploadLocation(HttpResponseMessage response, Uri baseUri, string operation)
    {
        var header = response.Headers.Location ?? throw new RegistryException(RegistryErrorKind.Invalid, $"{operation}: the registry gave no upload Location");
        var location = header.IsAbsoluteUri ? header : new Uri(baseUri, header);
        if (location.Scheme != baseUri.Scheme || location.Authority != baseUri.Authority)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{operation}: the upload Location points away from the registry ({location.Authority})");
        }

        return location;
    }

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryRegex();
}
