using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using LayerCache.Oci;
using Polly;
using Polly.Retry;

namespace LayerCache.Registry.Client;

/// <summary>
/// The HTTP side of <see cref="RegistryClient"/>: the handler chain (auth over a sockets handler with
/// the registry's TLS trust), the base address (HTTPS, or plain HTTP where allowed), and one exchange
/// primitive that bounds each attempt in time, turns every failure into a classified
/// <see cref="RegistryException"/>, and retries transient ones with backoff and jitter (Polly).
/// </summary>
internal sealed class RegistryTransport : IDisposable
{
    private readonly RegistryClientOptions _options;
    private readonly SocketsHttpHandler _sockets;
    private readonly HttpMessageInvoker _tokenClient;
    private readonly RegistryAuthHandler _auth;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _baseLock = new(1, 1);
    private readonly X509Certificate2Collection? _trusted;
    private Uri? _baseUri;
    private volatile bool _certificateRejected;

    public RegistryTransport(RegistryClientOptions options)
    {
        _options = options;
        if (options.CaFile is { } caFile)
        {
            _trusted = new X509Certificate2Collection();
            try
            {
                _trusted.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"the CA file {caFile} cannot be read: {e.Message}", innerException: e);
            }

            if (_trusted.Count == 0)
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"the CA file {caFile} holds no PEM certificate");
            }
        }

        _sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.RequestTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateCertificate },
        };
        _tokenClient = new HttpMessageInvoker(_sockets, disposeHandler: false);
        _auth = new RegistryAuthHandler(options, _sockets, _tokenClient);
        _http = new HttpClient(_auth, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _retry = options.MaxRetries <= 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RegistryException>(e => e.IsTransient),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                DelayGenerator = args => new ValueTask<TimeSpan?>(
                    args.Outcome.Exception is RegistryException { RetryAfter: { } after } ? Min(after, options.MaxRetryDelay) : null),
                OnRetry = args =>
                {
                    options.OnRetry?.Invoke($"{args.Outcome.Exception?.Message}; retry {args.AttemptNumber + 1} of {options.MaxRetries} in {args.RetryDelay.TotalSeconds:0.0}s");
                    return default;
                },
            })
            .Build();
    }

    public RegistryClientOptions Options => _options;

    /// <summary>The host requests go to: Docker Hub's API host for <c>docker.io</c>, else the registry as given.</summary>
    public string ApiHost => _options.Registry is "docker.io" or "index.docker.io" ? "registry-1.docker.io" : _options.Registry;

    /// <summary>The retry pipeline, for operations that retry a whole sequence (an upload) themselves.</summary>
    public ResiliencePipeline Retry => _retry;

    /// <summary>The authentication challenge the registry uses, once known.</summary>
    public AuthChallenge? Challenge => _auth.Challenge;

    /// <summary>True for <c>localhost</c> and loopback addresses, where plain HTTP is allowed as dockerd allows it.</summary>
    public static bool IsLoopback(string host)
    {
        var bare = host.Trim('[', ']');
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>True when plain HTTP may be tried for <paramref name="hostAndPort"/>: a loopback host, or an explicitly insecure registry.</summary>
    public static bool AllowsPlainHttp(string hostAndPort, bool insecure) => insecure || IsLoopback(HostOf(hostAndPort));

    /// <summary>A one-line cause of a transport failure, innermost message included.</summary>
    public static string Describe(Exception e)
    {
        if (e is OperationCanceledException)
        {
            return "timed out";
        }

        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        var text = ReferenceEquals(inner, e) ? e.Message : $"{e.Message} ({inner.Message})";
        return text.ReplaceLineEndings(" ");
    }

    /// <summary>
    /// The base address: HTTPS unless plain HTTP is allowed (loopback or <see cref="RegistryClientOptions.Insecure"/>)
    /// and HTTPS does not answer, as dockerd does for insecure registries. Decided once, on the first answer.
    /// </summary>
    public async Task<Uri> GetBaseUriAsync(CancellationToken cancellationToken)
    {
        if (_baseUri is { } known)
        {
            return known;
        }

        await _baseLock.WaitAsync(cancellationToken);
        try
        {
            if (_baseUri is { } raced)
            {
                return raced;
            }

            var https = new Uri($"https://{ApiHost}/");
            if (!AllowsPlainHttp(ApiHost, _options.Insecure))
            {
                return _baseUri = https;
            }

            var http = new Uri($"http://{ApiHost}/");
            foreach (var candidate in new[] { https, http })
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.RequestTimeout);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(candidate, "v2/"));
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                    return _baseUri = candidate;
                }
                catch (Exception e) when (candidate == https && _certificateRejected)
                {
                    // It speaks TLS with a certificate we do not trust: never downgrade that to plain HTTP.
                    throw new RegistryException(RegistryErrorKind.Denied, $"{_options.Registry}: TLS: the registry's certificate is not trusted (give its CA file): {Describe(e)}", innerException: e);
                }
                catch (Exception e) when (candidate == https && (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)))
                {
                    // Not speaking TLS (or not answering): try plain HTTP.
                }
                catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    throw new RegistryException(RegistryErrorKind.Transient, $"{_options.Registry} does not answer: {Describe(e)}", innerException: e);
                }
            }

            throw new InvalidOperationException("unreachable");
        }
        finally
        {
            _baseLock.Release();
        }
    }

    /// <summary>
    /// One exchange, retried when transient: <paramref name="createRequest"/> makes a fresh request per
    /// attempt, <paramref name="read"/> handles the answer (any status) within the attempt's time bound.
    /// </summary>
    public async Task<T> ExchangeAsync<T>(
        string operation,
        Func<Uri, HttpRequestMessage> createRequest,
        Func<HttpResponseMessage, CancellationToken, Task<T>> read,
        bool retry,
        CancellationToken cancellationToken)
    {
        var baseUri = await GetBaseUriAsync(cancellationToken);
        return await (retry ? _retry : ResiliencePipeline.Empty).ExecuteAsync(
            async token =>
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
                attempt.CancelAfter(_options.RequestTimeout);
                try
                {
                    using var request = createRequest(baseUri);
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
                    return await read(response, attempt.Token);
                }
                catch (Exception e) when (Translate(e, operation, token) is { } translated)
                {
                    throw translated;
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// As <see cref="ExchangeAsync{T}"/> for a streamed answer: the response is returned once its headers
    /// show success (the caller disposes it); the time bound covers the headers only.
    /// </summary>
    public async Task<HttpResponseMessage> OpenAsync(
        string operation,
        Func<Uri, HttpRequestMessage> createRequest,
        Func<HttpResponseMessage, bool> isSuccess,
        CancellationToken cancellationToken)
    {
        var baseUri = await GetBaseUriAsync(cancellationToken);
        return await _retry.ExecuteAsync(
            async token =>
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
                attempt.CancelAfter(_options.RequestTimeout);
                HttpResponseMessage? response = null;
                try
                {
                    using var request = createRequest(baseUri);
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
                    if (!isSuccess(response))
                    {
                        throw await FailureAsync(response, operation, attempt.Token);
                    }

                    var result = response;
                    response = null;
                    return result;
                }
                catch (Exception e) when (Translate(e, operation, token) is { } translated)
                {
                    throw translated;
                }
                finally
                {
                    response?.Dispose();
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// The classified exception for a failed answer: its error envelope (bounded read, HEAD has none),
    /// status and <c>Retry-After</c>.
    /// </summary>
    public static async Task<RegistryException> FailureAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        IReadOnlyList<RegistryError> errors = [];
        if (response.RequestMessage?.Method != HttpMethod.Head)
        {
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                var buffer = new byte[ErrorEnvelope.MaxBodyBytes];
                var length = 0;
                int read;
                while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
                {
                    length += read;
                }

                errors = ErrorEnvelope.Parse(buffer.AsSpan(0, length));
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                // The status alone classifies the failure.
            }
        }

        var kind = ErrorEnvelope.Classify(response.StatusCode, errors);
        var detail = errors.Count > 0 ? ": " + ErrorEnvelope.Describe(errors) : string.Empty;
        TimeSpan? retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => null,
        };
        return new RegistryException(kind, $"{operation}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}{detail}", response.StatusCode, errors)
        {
            RetryAfter = retryAfter is { } r && r > TimeSpan.Zero ? r : null,
        };
    }

    /// <summary>Every failure of an attempt as a classified exception; null to let it pass (the caller cancelled, or already classified).</summary>
    public static RegistryException? Translate(Exception e, string operation, CancellationToken callerToken) => e switch
    {
        RegistryException => null,
        OperationCanceledException when callerToken.IsCancellationRequested => null,
        OperationCanceledException => new RegistryException(RegistryErrorKind.Transient, $"{operation}: timed out", innerException: e),
        _ when Find<ContentVerificationException>(e) is { } bad => new RegistryException(RegistryErrorKind.Corrupt, $"{operation}: {bad.Message}", innerException: e),
        _ when Find<AuthenticationException>(e) is { } tls => new RegistryException(RegistryErrorKind.Denied, $"{operation}: TLS: {tls.Message}", innerException: e),
        OciFormatException => new RegistryException(RegistryErrorKind.Invalid, $"{operation}: {e.Message}", innerException: e),
        HttpRequestException or IOException => new RegistryException(RegistryErrorKind.Transient, $"{operation}: {Describe(e)}", innerException: e),
        _ => null,
    };

    public void Dispose()
    {
        _http.Dispose();
        _auth.Dispose();
        _tokenClient.Dispose();
        _sockets.Dispose();
        _baseLock.Dispose();
        if (_trusted is not null)
        {
            foreach (var certificate in _trusted)
            {
                certificate.Dispose();
            }
        }
    }

    private static T? Find<T>(Exception e)
        where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string HostOf(string hostAndPort)
    {
        if (hostAndPort.StartsWith('['))
        {
            var close = hostAndPort.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? hostAndPort[..(close + 1)] : hostAndPort;
        }

        var colon = hostAndPort.LastIndexOf(':');
        return colon > 0 ? hostAndPort[..colon] : hostAndPort;
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // A name mismatch or a missing certificate is never forgiven; an unknown root is, when it is the given CA.
        if (_trusted is null || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            _certificateRejected = true;
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        if (!custom.Build(leaf))
        {
            _certificateRejected = true;
            return false;
        }

        return true;
    }
}
