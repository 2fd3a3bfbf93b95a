using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LayerCache.Oci;

namespace LayerCache.Docker;

/// <summary>
/// Docker Engine API client over a unix socket, TCP (plain or TLS with client certificates) or SSH
/// (<c>ssh … docker system dial-stdio</c>), using HttpClient and no third-party code. The API version
/// is negotiated on first use (GET /_ping, then the lower of <see cref="MaxApiVersion"/> and the
/// engine's). Large bodies (save, load) are streamed, never buffered.
/// </summary>
public sealed class DockerEngineClient : IDockerEngine, IDisposable
{
    /// <summary>The highest API version this client speaks (Docker 20.10).</summary>
    public const string MaxApiVersion = "1.41";

    private const string NoCredentials = "e30="; // base64url("{}"): some engines require the header even without credentials.

    /// <summary>The API version the docker client assumes when /_ping names none (docker's client/ping.go).</summary>
    private const string FallbackApiVersion = "1.24";

    /// <summary>An error body is read up to this size: the address may be any web server.</summary>
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly HttpClient _http;
    private readonly IRegistryCredentialProvider? _credentials;
    private string? _apiVersion;
    private CommandConnectionStream? _lastCommandConnection;

    /// <summary>A client for the engine the docker CLI would use (DOCKER_HOST, TLS variables, contexts; default <c>unix:///var/run/docker.sock</c>).</summary>
    public DockerEngineClient()
        : this(DockerEndpoint.FromEnvironment())
    {
    }

    /// <summary>A client for <paramref name="endpoint"/>; pulls are anonymous unless a caller passes credentials.</summary>
    public DockerEngineClient(DockerEndpoint endpoint)
        : this(endpoint, credentials: null)
    {
    }

    /// <summary>
    /// A client for <paramref name="endpoint"/>. A pull without explicit credentials asks
    /// <paramref name="credentials"/> for the registry's (as the docker CLI does from its config.json).
    /// </summary>
    public DockerEngineClient(DockerEndpoint endpoint, IRegistryCredentialProvider? credentials)
        : this(endpoint, credentials, DialCommand(endpoint))
    {
    }

    /// <summary>
    /// A client whose connections are the stdin/stdout of <paramref name="dialCommand"/> (for ssh://
    /// endpoints <c>ssh … docker system dial-stdio</c>; tests dial a local engine the same way).
    /// </summary>
    internal DockerEngineClient(DockerEndpoint endpoint, IRegistryCredentialProvider? credentials, (string FileName, IReadOnlyList<string> Arguments)? dialCommand)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        _credentials = credentials;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        if (dialCommand is { } command)
        {
            // ssh itself may take longer than a socket to connect; docker gives it ConnectTimeout=30.
            handler.ConnectTimeout = TimeSpan.FromSeconds(45);
            handler.ConnectCallback = (_, _) =>
            {
                var connection = CommandConnectionStream.Start(command.FileName, command.Arguments);
                _lastCommandConnection = connection;
                return ValueTask.FromResult<Stream>(connection);
            };
        }
        else if (endpoint.SocketPath is { } socketPath)
        {
            handler.ConnectCallback = (_, ct) => ConnectUnixAsync(socketPath, ct);
        }
        else if (endpoint.Tls is { } tls)
        {
            handler.SslOptions = CreateSslOptions(tls);
        }

        // Save and load run as long as the images are big; callers bound them with their token instead.
        // ssh:// and unix:// need some host in the request line; docker uses a dummy one as well.
        _http = new HttpClient(handler) { BaseAddress = endpoint.HttpAddress ?? new Uri("http://localhost/"), Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("layercache", "0.1"));
    }

    /// <inheritdoc/>
    public DockerEndpoint Endpoint { get; }

    /// <inheritdoc/>
    public async Task<DockerPing> PingAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "/_ping", null, null, HttpCompletionOption.ResponseContentRead, "ping", cancellationToken);
        var apiVersion = Header(response, "API-Version");
        if (apiVersion is null && await ReadBoundedTextAsync(response, cancellationToken) is var text && text.Trim() != "OK")
        {
            // Any web server answers GET /_ping with something; an engine (docker, podman) says OK
            // and names its API version.
            throw new DockerEngineException(response.StatusCode, $"the address answered, but not as a Docker engine ({DescribeBody(response, text)})", "ping");
        }

        return new DockerPing(
            IsApiVersion(apiVersion) ? apiVersion! : FallbackApiVersion,
            Header(response, "OSType"),
            string.Equals(Header(response, "Docker-Experimental"), "true", StringComparison.OrdinalIgnoreCase),
            Header(response, "Builder-Version"));
    }

    /// <inheritdoc/>
    public async Task<string> GetApiVersionAsync(CancellationToken cancellationToken)
    {
        if (_apiVersion is { } known)
        {
            return known;
        }

        // Concurrent first calls may each ping; they agree, so the race is harmless.
        var ping = await PingAsync(cancellationToken);
        string? minimum = null;
        if (CompareVersions(ping.ApiVersion, MaxApiVersion) > 0)
        {
            // A newer engine may no longer serve our version (docker 29 serves 1.44 and up): its
            // minimum comes from the unversioned /version, which every engine and podman answer.
            using var response = await SendAsync(HttpMethod.Get, "/version", null, null, HttpCompletionOption.ResponseContentRead, "version", cancellationToken);
            try
            {
                minimum = JsonSerializer.Deserialize(await ReadBoundedTextAsync(response, cancellationToken), DockerJsonContext.Default.VersionWire)?.MinAPIVersion;
            }
            catch (JsonException)
            {
                // No minimum known: ours is tried.
            }
        }

        var negotiated = NegotiateVersion(ping.ApiVersion, minimum);
        _apiVersion = negotiated;
        return negotiated;
    }

    /// <summary>
    /// The version to speak: ours, or the engine's maximum when it is lower (docker's client
    /// negotiation), raised to the engine's minimum when that is higher than ours. The calls
    /// layercache makes (save, load, inspect, tag, pull, push) kept their shape across those versions.
    /// </summary>
    internal static string NegotiateVersion(string engineMaximum, string? engineMinimum)
    {
        var version = CompareVersions(engineMaximum, MaxApiVersion) < 0 ? engineMaximum : MaxApiVersion;
        return IsApiVersion(engineMinimum) && CompareVersions(engineMinimum!, version) > 0 ? engineMinimum! : version;
    }

    /// <inheritdoc/>
    public async Task<DockerVersion> VersionAsync(CancellationToken cancellationToken)
    {
        var wire = await GetJsonAsync("/version", DockerJsonContext.Default.VersionWire, "version", cancellationToken);
        return new DockerVersion
        {
            Version = wire.Version ?? string.Empty,
            ApiVersion = wire.ApiVersion ?? string.Empty,
            MinApiVersion = wire.MinAPIVersion,
            GitCommit = wire.GitCommit,
            GoVersion = wire.GoVersion,
            Os = wire.Os,
            Arch = wire.Arch,
            KernelVersion = wire.KernelVersion,
        };
    }

    /// <inheritdoc/>
    public async Task<DockerSystemInfo> InfoAsync(CancellationToken cancellationToken)
    {
        var wire = await GetJsonAsync("/info", DockerJsonContext.Default.InfoWire, "info", cancellationToken);
        return new DockerSystemInfo
        {
            Id = wire.ID,
            Name = wire.Name,
            ServerVersion = wire.ServerVersion,
            StorageDriver = wire.Driver,
            DockerRootDir = wire.DockerRootDir,
            Images = wire.Images,
            Containers = wire.Containers,
            OperatingSystem = wire.OperatingSystem,
            OsType = wire.OSType,
            Architecture = wire.Architecture,
            CpuCount = wire.NCPU,
            MemoryTotal = wire.MemTotal,
            InsecureRegistryCidrs = wire.RegistryConfig?.InsecureRegistryCIDRs ?? [],
            RegistryMirrors = wire.RegistryConfig?.Mirrors ?? [],
        };
    }

    /// <inheritdoc/>
    public async Task<DockerImage?> InspectImageAsync(string image, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        ImageInspectWire wire;
        try
        {
            wire = await GetJsonAsync($"/images/{ImageReference.EscapePath(image)}/json", DockerJsonContext.Default.ImageInspectWire, $"inspect image {image}", cancellationToken);
        }
        catch (DockerEngineException ex) when (ex.IsNotFound)
        {
            return null;
        }

        return new DockerImage
        {
            Id = ParseDigest(wire.Id, "Id"),
            RepoTags = wire.RepoTags ?? [],
            RepoDigests = wire.RepoDigests ?? [],
            Parent = ParseOptionalDigest(wire.Parent),
            Created = ParseTimestamp(wire.Created),
            Size = wire.Size,
            Os = wire.Os,
            Architecture = wire.Architecture,
            Layers = (wire.RootFS?.Layers ?? []).Select(l => ParseDigest(l, "RootFS.Layers")).ToList(),
            Labels = wire.Config?.Labels ?? [],
            Env = wire.Config?.Env ?? [],
            Cmd = wire.Config?.Cmd ?? [],
            Entrypoint = wire.Config?.Entrypoint ?? [],
            WorkingDir = string.IsNullOrEmpty(wire.Config?.WorkingDir) ? null : wire.Config.WorkingDir,
        };
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DockerImageSummary>> ListImagesAsync(ImageListOptions? options, CancellationToken cancellationToken)
    {
        options ??= new ImageListOptions();
        var query = new StringBuilder("/images/json?all=").Append(options.All ? '1' : '0');
        if (options.Digests)
        {
            query.Append("&digests=1");
        }

        if (options.Filters.Count > 0)
        {
            var filters = options.Filters.ToDictionary(f => f.Key, f => f.Value.ToList(), StringComparer.Ordinal);
            var json = JsonSerializer.Serialize(filters, DockerJsonContext.Default.DictionaryStringListString);
            query.Append("&filters=").Append(Uri.EscapeDataString(json));
        }

        var wire = await GetJsonAsync(query.ToString(), DockerJsonContext.Default.ListImageSummaryWire, "list images", cancellationToken);
        return wire.Select(w => new DockerImageSummary
        {
            Id = ParseDigest(w.Id, "Id"),
            ParentId = ParseOptionalDigest(w.ParentId),
            // The engine reports untagged images as "<none>:<none>"; callers want no tags at all.
            RepoTags = (w.RepoTags ?? []).Where(t => t != "<none>:<none>").ToList(),
            RepoDigests = (w.RepoDigests ?? []).Where(d => d != "<none>@<none>").ToList(),
            Created = DateTimeOffset.FromUnixTimeSeconds(w.Created),
            Size = w.Size,
            Labels = w.Labels ?? [],
            Containers = w.Containers,
        }).ToList();
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DockerImageHistoryEntry>> ImageHistoryAsync(string image, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        var wire = await GetJsonAsync($"/images/{ImageReference.EscapePath(image)}/history", DockerJsonContext.Default.ListHistoryWire, $"history of image {image}", cancellationToken);
        return wire.Select(w => new DockerImageHistoryEntry
        {
            Id = ParseOptionalDigest(w.Id),
            Created = DateTimeOffset.FromUnixTimeSeconds(w.Created),
            CreatedBy = w.CreatedBy ?? string.Empty,
            Tags = w.Tags ?? [],
            Size = w.Size,
            Comment = w.Comment ?? string.Empty,
        }).ToList();
    }

    /// <inheritdoc/>
    public async Task TagImageAsync(string source, string target, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        var (repository, tag) = ImageReference.Split(target);
        if (tag is not null && tag.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"cannot tag with a digest reference \"{target}\"", nameof(target));
        }

        var path = $"/images/{ImageReference.EscapePath(source)}/tag?repo={Uri.EscapeDataString(repository)}&tag={Uri.EscapeDataString(tag ?? "latest")}";
        using var response = await SendVersionedAsync(HttpMethod.Post, path, null, null, HttpCompletionOption.ResponseContentRead, $"tag image {source} as {target}", cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DockerImageDeleteResult>> RemoveImageAsync(string image, bool force, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        var path = $"/images/{ImageReference.EscapePath(image)}?force={(force ? "1" : "0")}";
        using var response = await SendVersionedAsync(HttpMethod.Delete, path, null, null, HttpCompletionOption.ResponseContentRead, $"remove image {image}", cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var wire = await JsonSerializer.DeserializeAsync(body, DockerJsonContext.Default.ListDeleteWire, cancellationToken) ?? [];
        return wire.Select(w => new DockerImageDeleteResult(w.Untagged, w.Deleted)).ToList();
    }

    /// <inheritdoc/>
    public async Task<Stream> SaveImagesAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var list = names.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("at least one image name is required", nameof(names));
        }

        var path = "/images/get?" + string.Join('&', list.Select(n => "names=" + Uri.EscapeDataString(n)));
        var response = await SendVersionedAsync(HttpMethod.Get, path, null, null, HttpCompletionOption.ResponseHeadersRead, $"save images {string.Join(' ', list)}", cancellationToken);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return ReadOnlyStreamView.Owning(response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task<DockerLoadResult> LoadImagesAsync(Stream archive, IProgress<JsonMessage>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        // StreamContent without a length goes out chunked: the archive is read as it is sent.
        using var content = new StreamContent(ReadOnlyStreamView.LeaveOpen(archive), 81920);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var response = await SendVersionedAsync(HttpMethod.Post, "/images/load?quiet=1", content, null, HttpCompletionOption.ResponseHeadersRead, "load images", cancellationToken);
        var loaded = new List<string>();
        await foreach (var message in ReadProgressAsync(response, "load images", progress, cancellationToken))
        {
            var text = message.Stream?.Trim();
            if (text is null)
            {
                continue;
            }

            foreach (var prefix in (string[])["Loaded image ID: ", "Loaded image: "])
            {
                if (text.StartsWith(prefix, StringComparison.Ordinal))
                {
                    loaded.Add(text[prefix.Length..]);
                    break;
                }
            }
        }

        return new DockerLoadResult(loaded);
    }

    /// <inheritdoc/>
    public async Task<DockerPushResult> PushImageAsync(string reference, RegistryCredentials? credentials, IProgress<JsonMessage>? progress, CancellationToken cancellationToken)
    {
        var (repository, tag) = ImageReference.Split(reference);
        if (tag is not null && tag.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"push needs a tag, not a digest: \"{reference}\"", nameof(reference));
        }

        tag ??= "latest";
        var operation = $"push {repository}:{tag}";
        var path = $"/images/{ImageReference.EscapePath(repository)}/push?tag={Uri.EscapeDataString(tag)}";
        using var response = await SendVersionedAsync(HttpMethod.Post, path, null, EncodeCredentials(credentials), HttpCompletionOption.ResponseHeadersRead, operation, cancellationToken);
        DockerPushResult? result = null;
        await foreach (var message in ReadProgressAsync(response, operation, progress, cancellationToken))
        {
            if (message.Aux is { ValueKind: JsonValueKind.Object } aux
                && aux.Deserialize(DockerJsonContext.Default.PushAuxWire) is { Digest: { } digest } pushed
                && Digest.TryParse(digest, out var parsed))
            {
                result = new DockerPushResult(pushed.Tag ?? tag, parsed, pushed.Size);
            }
        }

        return result ?? throw new DockerEngineException(response.StatusCode, "the engine finished the push without reporting a manifest digest", operation, fromProgressStream: true);
    }

    /// <inheritdoc/>
    public async Task<DockerPullResult> PullImageAsync(string reference, RegistryCredentials? credentials, IProgress<JsonMessage>? progress, CancellationToken cancellationToken)
    {
        var (repository, tagOrDigest) = ImageReference.Split(reference);
        tagOrDigest ??= "latest";
        var separator = tagOrDigest.Contains(':', StringComparison.Ordinal) ? "@" : ":";
        var operation = $"pull {repository}{separator}{tagOrDigest}";
        var path = $"/images/create?fromImage={Uri.EscapeDataString(repository)}&tag={Uri.EscapeDataString(tagOrDigest)}";
        if (credentials is null && _credentials is not null && Oci.ImageReference.TryParse(reference, out var parsed))
        {
            try
            {
                credentials = await _credentials.GetAsync(parsed.Registry, cancellationToken);
            }
            catch (RegistryCredentialsException e)
            {
                throw new DockerEngineException(HttpStatusCode.Unauthorized, e.Message, operation);
            }
        }

        using var response = await SendVersionedAsync(HttpMethod.Post, path, null, EncodeCredentials(credentials), HttpCompletionOption.ResponseHeadersRead, operation, cancellationToken);
        Digest? digest = null;
        var downloaded = false;
        await foreach (var message in ReadProgressAsync(response, operation, progress, cancellationToken))
        {
            var status = message.Status;
            if (status is null)
            {
                continue;
            }

            if (status.StartsWith("Digest: ", StringComparison.Ordinal) && Digest.TryParse(status["Digest: ".Length..].Trim(), out var d))
            {
                digest = d;
            }
            else if (status.StartsWith("Status: Downloaded newer image", StringComparison.Ordinal))
            {
                downloaded = true;
            }
        }

        return new DockerPullResult(repository + separator + tagOrDigest, digest, downloaded);
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>Orders dotted API versions numerically (1.9 &lt; 1.41).</summary>
    internal static int CompareVersions(string left, string right)
    {
        var l = left.Split('.');
        var r = right.Split('.');
        for (var i = 0; i < Math.Max(l.Length, r.Length); i++)
        {
            var a = i < l.Length && int.TryParse(l[i], NumberStyles.None, CultureInfo.InvariantCulture, out var x) ? x : 0;
            var b = i < r.Length && int.TryParse(r[i], NumberStyles.None, CultureInfo.InvariantCulture, out var y) ? y : 0;
            if (a != b)
            {
                return a.CompareTo(b);
            }
        }

        return 0;
    }

    private static async ValueTask<Stream> ConnectUnixAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<T> GetJsonAsync<T>(string path, JsonTypeInfo<T> typeInfo, string operation, CancellationToken cancellationToken)
    {
        using var response = await SendVersionedAsync(HttpMethod.Get, path, null, null, HttpCompletionOption.ResponseHeadersRead, operation, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        try
        {
            return await JsonSerializer.DeserializeAsync(body, typeInfo, cancellationToken)
                ?? throw new DockerEngineException(response.StatusCode, "the engine returned an empty body", operation);
        }
        catch (JsonException e)
        {
            throw new DockerEngineException($"{operation} failed: the answer is not the Docker engine's JSON ({response.Content.Headers.ContentType?.MediaType ?? "no content type"})", e);
        }
    }

    private async Task<HttpResponseMessage> SendVersionedAsync(
        HttpMethod method, string path, HttpContent? content, string? registryAuth, HttpCompletionOption completion, string operation, CancellationToken cancellationToken)
    {
        var version = await GetApiVersionAsync(cancellationToken);
        return await SendAsync(method, "/v" + version + path, content, registryAuth, completion, operation, cancellationToken);
    }

    /// <summary>Sends a request; maps connection failures and non-success statuses to typed exceptions.</summary>
    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, HttpContent? content, string? registryAuth, HttpCompletionOption completion, string operation, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        if (registryAuth is not null)
        {
            request.Headers.Add("X-Registry-Auth", registryAuth);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex) when (IsTransportFailure(ex) || (ex.InnerException is IOException && (Endpoint.Tls is not null || Endpoint.Transport == DockerTransport.Ssh)))
        {
            if (_lastCommandConnection is { } connection)
            {
                // ssh's own reason arrives on its stderr as it exits.
                await connection.WaitForExitAsync(TimeSpan.FromSeconds(2));
            }

            throw new DockerEngineUnavailableException(Endpoint.Description, DescribeConnectFailure(ex), ex);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException && Endpoint.Transport == DockerTransport.Ssh)
        {
            // ssh itself could not be started.
            throw new DockerEngineUnavailableException(Endpoint.Description, $"cannot run ssh: {ex.Message}", ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var message = await ReadErrorMessageAsync(response, cancellationToken);
            throw new DockerEngineException(response.StatusCode, message, operation);
        }
    }

    private static bool IsTransportFailure(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
            or HttpRequestError.ProxyTunnelError or HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse
        || ex.InnerException is SocketException or AuthenticationException
        || (ex.InnerException is System.ComponentModel.Win32Exception);

    private string DescribeConnectFailure(HttpRequestException ex)
    {
        if (Endpoint.SocketPath is { } socketPath && !File.Exists(socketPath))
        {
            return "no such socket";
        }

        if (Endpoint.Transport == DockerTransport.Ssh)
        {
            var stderr = _lastCommandConnection?.StandardError;
            return string.IsNullOrEmpty(stderr)
                ? $"ssh ended the connection ({OneLine(ex)})"
                : $"ssh failed: {Truncate(stderr, 300)}";
        }

        if (ex.HttpRequestError == HttpRequestError.SecureConnectionError || ex.InnerException is AuthenticationException || (Endpoint.Tls is not null && ex.InnerException is IOException))
        {
            // With TLS 1.3 the engine refuses a client certificate after the handshake: the reason is
            // the innermost error ("alert bad certificate").
            var innermost = ex.GetBaseException();
            var detail = OneLine(innermost);
            return $"TLS handshake failed: {detail} (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and the context's TLS files select the certificates)";
        }

        if (ex.HttpRequestError is HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded && Endpoint.Tls is null && Endpoint.Transport == DockerTransport.Tcp)
        {
            return $"the address does not answer plain HTTP ({OneLine(ex)}); a TLS engine needs DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH";
        }

        return (ex.InnerException as SocketException)?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.AccessDenied => "permission denied",
            SocketError.TimedOut => "connection timed out",
            SocketError.HostNotFound or SocketError.NoData => "host not found",
            SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
            _ => ex.InnerException?.Message ?? ex.Message,
        };
    }

    private static async Task<string> ReadErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = (await ReadBoundedTextAsync(response, cancellationToken)).Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                if (JsonSerializer.Deserialize(text, DockerJsonContext.Default.ErrorResponseWire)?.Message is { Length: > 0 } message)
                {
                    return message;
                }
            }
            catch (JsonException)
            {
                // Not the engine's error shape; report the raw body below.
            }
        }

        if (text.Length == 0)
        {
            return response.ReasonPhrase ?? response.StatusCode.ToString();
        }

        if (LooksLikeHtml(response, text))
        {
            return $"the address answered with an HTML page, not the Docker engine API ({DescribeBody(response, text)})";
        }

        if (text.Contains("HTTP request to an HTTPS server", StringComparison.Ordinal))
        {
            // dockerd's answer on its TLS port to a plain-HTTP client.
            return "the engine requires TLS (set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or use a docker context)";
        }

        return Truncate(OneLine(text), 300);
    }

    /// <summary>Reads at most <see cref="MaxErrorBodyBytes"/> of a body as text: error pages can be any size.</summary>
    private static async Task<string> ReadBoundedTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBodyBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static bool LooksLikeHtml(HttpResponseMessage response, string text) =>
        response.Content.Headers.ContentType?.MediaType is "text/html" or "application/xhtml+xml"
        || text.StartsWith("<!DOCTYPE", StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase);

    /// <summary>A few words about a non-engine answer: its status, type and title; never the whole page.</summary>
    private static string DescribeBody(HttpResponseMessage response, string text)
    {
        var description = $"HTTP {(int)response.StatusCode}";
        if (response.Content.Headers.ContentType?.MediaType is { } mediaType)
        {
            description += ", " + mediaType;
        }

        var start = text.IndexOf("<title>", StringComparison.OrdinalIgnoreCase);
        var end = start < 0 ? -1 : text.IndexOf("</title>", start, StringComparison.OrdinalIgnoreCase);
        if (end > start)
        {
            description += $", title \"{Truncate(OneLine(text[(start + 7)..end].Trim()), 80)}\"";
        }

        return description;
    }

    private static string OneLine(Exception e) => OneLine(e.Message);

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static bool IsApiVersion(string? value) =>
        value is { Length: > 0 } && value.Split('.') is { Length: 2 } parts && parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit));

    private static (string FileName, IReadOnlyList<string> Arguments)? DialCommand(DockerEndpoint endpoint) =>
        endpoint.Ssh is { } ssh ? ("ssh", ssh.CommandArguments()) : null;

    /// <summary>
    /// TLS as docker's client builds it (docker/cli cli/context/docker/load.go tlsConfig,
    /// go-connections tlsconfig.ClientDefault): the client certificate when both cert and key are
    /// given; the server's certificate must chain to the given CA (else the system roots) and match
    /// the host name, unless verification is off.
    /// </summary>
    private static SslClientAuthenticationOptions CreateSslOptions(DockerTlsSettings tls)
    {
        var options = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
        if (tls.CertificatePem is { } certPem && tls.KeyPem is { } keyPem)
        {
            try
            {
                using var ephemeral = X509Certificate2.CreateFromPem(certPem, keyPem);
                // SslStream needs the key in a form the platform can use for the handshake.
                options.ClientCertificates = [X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null)];
            }
            catch (CryptographicException e)
            {
                throw new DockerEndpointException($"the TLS client certificate or key is not usable: {e.Message}", e);
            }
        }

        X509Certificate2Collection? roots = null;
        if (tls.CaPem is { } caPem)
        {
            roots = [];
            try
            {
                roots.ImportFromPem(caPem);
            }
            catch (CryptographicException e)
            {
                throw new DockerEndpointException($"ca.pem is not a valid certificate: {e.Message}", e);
            }

            if (roots.Count == 0)
            {
                throw new DockerEndpointException("ca.pem holds no certificate");
            }
        }

        options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (tls.SkipVerify)
            {
                return true;
            }

            if (roots is null || certificate is null)
            {
                return errors == SslPolicyErrors.None;
            }

            if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            {
                return false;
            }

            // Only the CA the user named is trusted, as Go's tls.Config{RootCAs} does.
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
        return options;
    }

    /// <summary>Reads a progress stream, reporting each message and throwing on the first error message.</summary>
    private static async IAsyncEnumerable<JsonMessage> ReadProgressAsync(
        HttpResponseMessage response, string operation, IProgress<JsonMessage>? progress, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var message in JsonMessageReader.ReadAllAsync(body, cancellationToken))
        {
            progress?.Report(message);
            if (message.IsError)
            {
                throw new DockerEngineException(response.StatusCode, message.Error!, operation, fromProgressStream: true);
            }

            yield return message;
        }
    }

    private static string EncodeCredentials(RegistryCredentials? credentials)
    {
        if (credentials is null)
        {
            return NoCredentials;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(
            new RegistryAuthWire
            {
                Username = credentials.Username,
                Password = credentials.Password,
                ServerAddress = credentials.ServerAddress,
                IdentityToken = credentials.IdentityToken,
            },
            DockerJsonContext.Default.RegistryAuthWire);
        // The engine decodes X-Registry-Auth as URL-safe base64.
        return Convert.ToBase64String(json).Replace('+', '-').Replace('/', '_');
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static Digest ParseDigest(string? value, string field) =>
        Digest.TryParse(value, out var digest, out var error)
            ? digest
            : throw new DockerEngineException(HttpStatusCode.OK, $"the engine returned an invalid {field}: {error}", "parse engine response");

    private static Digest? ParseOptionalDigest(string? value) =>
        Digest.TryParse(value, out var digest) ? digest : null;

    private static DateTimeOffset ParseTimestamp(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : default;
}
