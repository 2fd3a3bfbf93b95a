using System.Collections.Specialized;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Web;

namespace LayerCache.Testing;

/// <summary>
/// A small Docker token-authentication server (the realm of a Distribution <c>auth: token</c> config) on
/// 127.0.0.1: <c>GET /token?service=…&amp;scope=…</c> with Basic credentials, or an OAuth2
/// <c>POST /token</c> with a refresh token, answers <c>{"token","access_token","expires_in"}</c> holding an
/// RS256 JWT signed by a self-signed certificate (sent as <c>x5c</c>) that the registry trusts through its
/// <c>rootcertbundle</c>. The right user gets every action asked for; anyone else gets a token with no access,
/// so the registry refuses them as a real one would.
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly RSA _key;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _issued;
    private int _refused;

    private TokenServer(HttpListener listener, int port, string user, string password, string directory)
    {
        _listener = listener;
        Port = port;
        User = user;
        Password = password;
        _key = RSA.Create(2048);
        var request = new CertificateRequest("CN=layercache test token signer", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        CertificateBundle = Path.Combine(directory, "token-signer.pem");
        File.WriteAllText(CertificateBundle, _certificate.ExportCertificatePem() + "\n");
        _loop = Task.Run(() => ServeAsync(_stop.Token));
    }

    /// <summary>The service name the registry and its tokens share.</summary>
    public const string Service = "layercache-test-registry";

    /// <summary>The issuer the registry expects.</summary>
    public const string Issuer = "layercache-test-token-issuer";

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The realm, <c>http://127.0.0.1:PORT/token</c>.</summary>
    public Uri Realm => new($"http://127.0.0.1:{Port}/token");

    /// <summary>The user that gets access.</summary>
    public string User { get; }

    /// <summary>Its password.</summary>
    public string Password { get; }

    /// <summary>The refresh (identity) token accepted by the OAuth2 POST for <see cref="User"/>.</summary>
    public string IdentityToken => "refresh-" + User;

    /// <summary>The PEM file of the signing certificate: the registry's <c>rootcertbundle</c>.</summary>
    public string CertificateBundle { get; }

    /// <summary>Tokens issued with access.</summary>
    public int TokensIssued => Volatile.Read(ref _issued);

    /// <summary>Token requests answered without access (wrong or no credentials).</summary>
    public int TokensRefused => Volatile.Read(ref _refused);

    /// <summary>Starts a token server writing its certificate bundle into <paramref name="directory"/>.</summary>
    public static TokenServer Start(string user, string password, string directory)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new TokenServer(listener, port, user, password, directory);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is ObjectDisposedException or HttpListenerException or OperationCanceledException)
        {
        }

        _stop.Dispose();
        _certificate.Dispose();
        _key.Dispose();
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is ObjectDisposedException or HttpListenerException or OperationCanceledException)
            {
                return;
            }

            try
            {
                await AnswerAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or InvalidOperationException)
            {
                context.Response.Abort();
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        NameValueCollection parameters;
        bool authenticated;
        if (request.HttpMethod == "POST")
        {
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            parameters = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
            authenticated = parameters["grant_type"] == "refresh_token" && parameters["refresh_token"] == IdentityToken;
        }
        else
        {
            parameters = request.QueryString;
            authenticated = BasicMatches(request.Headers["Authorization"]);
        }

        var scopes = request.HttpMethod == "POST"
            ? (parameters["scope"] ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : parameters.GetValues("scope") ?? [];
        var access = new List<object>();
        if (authenticated)
        {
            foreach (var scope in scopes)
            {
                // repository:NAME:ACTIONS, where NAME may hold ':' only in a port, which a repository name never has.
                var parts = scope.Split(':');
                if (parts.Length == 3)
                {
                    access.Add(new Dictionary<string, object> { ["type"] = parts[0], ["name"] = parts[1], ["actions"] = parts[2].Split(',') });
                }
            }

            Interlocked.Increment(ref _issued);
        }
        else
        {
            Interlocked.Increment(ref _refused);
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = authenticated ? User : string.Empty,
            ["aud"] = parameters["service"] ?? Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 10,
            ["iat"] = now - 10,
            ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            ["access"] = access,
        };
        var header = new Dictionary<string, object> { ["typ"] = "JWT", ["alg"] = "RS256", ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) } };
        var signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var token = signingInput + "." + Base64Url(signature);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["token"] = token,
            ["access_token"] = token,
            ["expires_in"] = 300,
            ["issued_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        });
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = body.Length;
        await context.Response.OutputStream.WriteAsync(body);
        context.Response.Close();
    }

    private bool BasicMatches(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            return text == $"{User}:{Password}";
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
