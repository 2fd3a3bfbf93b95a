using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LayerCache.Docker;
using LayerCache.Oci;

namespace LayerCache.Registry.Client;

/// <summary>
/// The authentication link of the handler chain: anonymous until the registry challenges, then Basic
/// (user and password from the credential provider) or Bearer (Docker token authentication: a token for
/// the request's scope from the challenge's realm, cached until it expires). Once the registry's scheme
/// is known, later requests carry it up front, so a streamed upload body is never sent twice: a request
/// whose content cannot be replayed gets the 401 back instead of a resend.
/// </summary>
internal sealed class RegistryAuthHandler : DelegatingHandler
{
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TokenMargin = TimeSpan.FromSeconds(10);

    private readonly RegistryClientOptions _options;
    private readonly HttpMessageInvoker _tokenClient;
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _credentialsLock = new(1, 1);
    private volatile AuthChallenge? _challenge;
    private RegistryCredentials? _credentials;
    private bool _credentialsLoaded;

    public RegistryAuthHandler(RegistryClientOptions options, HttpMessageHandler inner, HttpMessageInvoker tokenClient)
        : base(inner)
    {
        _options = options;
        _tokenClient = tokenClient;
    }

    /// <summary>The scheme the registry asked for, once it has (null while every request went through anonymously).</summary>
    public AuthChallenge? Challenge => _challenge;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var scopes = ScopesFor(request);
        var sent = await AuthorizeAsync(request, scopes, forceNewToken: false, cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = PickChallenge(response);
        if (challenge is null || !CanReplay(request))
        {
            return response;
        }

        var known = _challenge;
        _challenge = challenge;
        var newScopes = challenge.IsBearer && challenge.Scopes.Count > 0 ? challenge.Scopes : scopes;
        if (sent != Sent.Nothing && known is not null && known.IsBasic == challenge.IsBasic
            && (challenge.IsBasic || (sent == Sent.FreshToken && newScopes.SequenceEqual(scopes, StringComparer.Ordinal))))
        {
            // What we just sent (the credentials, or a token fetched for exactly these scopes) was refused:
            // asking again would only be refused again.
            return response;
        }

        if (await AuthorizeAsync(request, newScopes, forceNewToken: true, cancellationToken) == Sent.Nothing)
        {
            return response;
        }

        response.Dispose();
        return await base.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _credentialsLock.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// The token scopes a request needs (Distribution's access records): pull for GET/HEAD, pull+push for
    /// POST/PUT/PATCH, delete for DELETE, plus pull on a mount's source repository.
    /// </summary>
    internal static IReadOnlyList<string> ScopesFor(HttpRequestMessage request)
    {
        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        if (!path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            return [];
        }

        var rest = path[4..];
        var end = -1;
        foreach (var marker in new[] { "/manifests/", "/blobs/", "/tags/" })
        {
            var at = rest.LastIndexOf(marker, StringComparison.Ordinal);
            if (at > 0 && (end < 0 || at < end))
            {
                end = at;
            }
        }

        if (end <= 0)
        {
            return [];
        }

        var repository = Uri.UnescapeDataString(rest[..end]);
        var method = request.Method.Method;
        var actions = method is "GET" or "HEAD" ? "pull" : method == "DELETE" ? "delete" : "pull,push";
        var scopes = new List<string> { $"repository:{repository}:{actions}" };
        var query = request.RequestUri!.Query;
        if (method == "POST" && query.Contains("mount=", StringComparison.Ordinal))
        {
            foreach (var part in query.TrimStart('?').Split('&'))
            {
                if (part.StartsWith("from=", StringComparison.Ordinal))
                {
                    scopes.Add($"repository:{Uri.UnescapeDataString(part[5..])}:pull");
                }
            }
        }

        return scopes;
    }

    private static bool CanReplay(HttpRequestMessage request) => request.Content is null or ByteArrayContent;

    private static AuthChallenge? PickChallenge(HttpResponseMessage response)
    {
        var challenges = response.Headers.WwwAuthenticate.Select(h => AuthChallenge.FromParts(h.Scheme, h.Parameter)).ToList();
        return challenges.FirstOrDefault(c => c.IsBearer && c.Realm is not null) ?? challenges.FirstOrDefault(c => c.IsBasic);
    }

    private enum Sent
    {
        Nothing,
        Credentials,
        CachedToken,
        FreshToken,
    }

    /// <summary>Sets the Authorization header the known scheme calls for, and says what it set.</summary>
    private async Task<Sent> AuthorizeAsync(HttpRequestMessage request, IReadOnlyList<string> scopes, bool forceNewToken, CancellationToken cancellationToken)
    {
        var challenge = _challenge;
        if (challenge is null)
        {
            return Sent.Nothing;
        }

        if (challenge.IsBasic)
        {
            var credentials = await GetCredentialsAsync(cancellationToken);
            if (credentials?.Username is null || credentials.Password is null)
            {
                return Sent.Nothing;
            }

            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
            return Sent.Credentials;
        }

        var key = string.Join(' ', scopes);
        if (!forceNewToken && _tokens.TryGetValue(key, out var cached) && cached.Expires > DateTimeOffset.UtcNow)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", cached.Token);
            return Sent.CachedToken;
        }

        var token = await FetchTokenAsync(challenge, scopes, cancellationToken);
        _tokens[key] = token;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return Sent.FreshToken;
    }

    private async Task<RegistryCredentials?> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        if (_options.Credentials is null)
        {
            return null;
        }

        await _credentialsLock.WaitAsync(cancellationToken);
        try
        {
            if (!_credentialsLoaded)
            {
                try
                {
                    _credentials = await _options.Credentials.GetAsync(_options.Registry, cancellationToken);
                }
                catch (RegistryCredentialsException e)
                {
                    throw new RegistryException(RegistryErrorKind.Denied, $"credentials for {_options.Registry}: {e.Message}", innerException: e);
                }

                _credentialsLoaded = true;
            }

            return _credentials;
        }
        finally
        {
            _credentialsLock.Release();
        }
    }

    /// <summary>
    /// A token from the realm: an identity (refresh) token is exchanged by OAuth2 POST, else a GET with
    /// Basic credentials if there are any, anonymous if not (docker/distribution registry/client/auth).
    /// </summary>
    private async Task<(string Token, DateTimeOffset Expires)> FetchTokenAsync(AuthChallenge challenge, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp))
        {
            throw new RegistryException(RegistryErrorKind.Denied, $"{_options.Registry} asked for a token from a realm that is not an http(s) address");
        }

        if (realm.Scheme == Uri.UriSchemeHttp && !_options.Insecure && !RegistryTransport.IsLoopback(realm.Host))
        {
            throw new RegistryException(RegistryErrorKind.Denied, $"{_options.Registry} asked for a token over plain HTTP from {realm.Host}; refused (not loopback and not --insecure-registry)");
        }

        var credentials = await GetCredentialsAsync(cancellationToken);
        using var request = new HttpRequestMessage();
        request.Headers.UserAgent.ParseAdd(_options.UserAgent);
        if (credentials?.IdentityToken is { } refresh)
        {
            var form = new List<KeyValuePair<string, string>>
            {
                new("grant_type", "refresh_token"),
                new("refresh_token", refresh),
                new("client_id", _options.UserAgent),
                new("scope", string.Join(' ', scopes)),
            };
            if (challenge.Service is { } service)
            {
                form.Add(new("service", service));
            }

            request.Method = HttpMethod.Post;
            request.RequestUri = realm;
            request.Content = new FormUrlEncodedContent(form);
        }
        else
        {
            var query = new StringBuilder(realm.Query.Length > 1 ? realm.Query[1..] + "&" : string.Empty);
            if (challenge.Service is { } service)
            {
                query.Append("service=").Append(Uri.EscapeDataString(service));
            }

            foreach (var scope in scopes)
            {
                query.Append("&scope=").Append(Uri.EscapeDataString(scope));
            }

            request.Method = HttpMethod.Get;
            request.RequestUri = new UriBuilder(realm) { Query = query.ToString().TrimStart('&') }.Uri;
            if (credentials?.Username is { } user && credentials.Password is { } password)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _tokenClient.SendAsync(request, timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new RegistryException(RegistryErrorKind.Transient, $"token from {realm.Host} for {_options.Registry}: {RegistryTransport.Describe(e)}", innerException: e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var kind = (int)response.StatusCode is 429 or >= 500 ? RegistryErrorKind.Transient : RegistryErrorKind.Denied;
                throw new RegistryException(kind, $"token from {realm.Host} for {_options.Registry}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", response.StatusCode);
            }

            byte[] body;
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
                body = await DocumentReader.ReadAsync(stream, $"the token answer of {realm.Host}", timeout.Token);
            }
            catch (OciFormatException e)
            {
                throw new RegistryException(RegistryErrorKind.Invalid, e.Message, response.StatusCode, innerException: e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new RegistryException(RegistryErrorKind.Transient, $"token from {realm.Host} for {_options.Registry}: {RegistryTransport.Describe(e)}", innerException: e);
            }

            return ParseToken(body, realm.Host);
        }
    }

    /// <summary>The token answer: <c>token</c> or <c>access_token</c>, <c>expires_in</c> seconds (60 when absent, as the spec says).</summary>
    internal static (string Token, DateTimeOffset Expires) ParseToken(ReadOnlySpan<byte> body, string realmHost)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            string? token = null;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in new[] { "token", "access_token" })
                {
                    if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
                    {
                        token = text;
                        break;
                    }
                }
            }

            if (token is null || token.Any(c => c < 0x21 || c > 0x7e))
            {
                throw new RegistryException(RegistryErrorKind.Denied, $"the token answer of {realmHost} holds no usable token");
            }

            var lifetime = DefaultTokenLifetime;
            if (root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number && expires.TryGetInt32(out var seconds) && seconds > 0)
            {
                lifetime = TimeSpan.FromSeconds(Math.Min(seconds, 24 * 3600));
            }

            return (token, DateTimeOffset.UtcNow + lifetime - (lifetime > TokenMargin * 2 ? TokenMargin : TimeSpan.Zero));
        }
        catch (JsonException)
        {
            throw new RegistryException(RegistryErrorKind.Denied, $"the token answer of {realmHost} is not JSON");
        }
    }
}
