using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LayerCache.Testing;

/// <summary>
/// An HTTP proxy on 127.0.0.1 in front of a real registry that injects the faults a registry client must
/// survive: a storm of error answers (429/503 with <c>Retry-After</c>), slow answers, and blob bodies cut
/// off mid-transfer. Everything else is forwarded unchanged (the Host header too, so the registry's
/// Location headers point back at the proxy). Only for plain-HTTP registries.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _failuresLeft;
    private int _failureStatus;
    private int _cutsLeft;
    private int _uploadCutsLeft;

    private FaultProxy(HttpListener listener, int port, Uri target)
    {
        _listener = listener;
        Port = port;
        _target = target;
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
        _loop = Task.Run(() => ServeAsync(_stop.Token));
    }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>host:port of the proxy, to use as the registry address.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Every request seen: method, path and query, and the Range header.</summary>
    public ConcurrentQueue<(string Method, string PathAndQuery, string? Range)> Requests { get; } = new();

    /// <summary>How long to wait before answering each request (a slow registry).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The <c>Retry-After</c> seconds sent with injected errors, or null for none.</summary>
    public int? RetryAfterSeconds { get; set; }

    /// <summary>How many bytes of a blob body pass before a cut (see <see cref="CutBlobBodies"/>).</summary>
    public long CutAfterBytes { get; set; } = 64 * 1024;

    /// <summary>Starts a proxy to <paramref name="target"/> (e.g. <c>http://127.0.0.1:5000/</c>).</summary>
    public static FaultProxy Start(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
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
                return new FaultProxy(listener, port, target);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (and an error envelope) instead of forwarding them.</summary>
    public void FailNext(int count, HttpStatusCode status)
    {
        Volatile.Write(ref _failureStatus, (int)status);
        Volatile.Write(ref _failuresLeft, count);
    }

    /// <summary>Cuts the connection of the next <paramref name="count"/> blob GET answers after <see cref="CutAfterBytes"/> bytes of body.</summary>
    public void CutBlobBodies(int count) => Volatile.Write(ref _cutsLeft, count);

    /// <summary>When set, <see cref="FailNext"/> counts and fails only requests with this method (e.g. <c>PATCH</c>).</summary>
    public string? FailOnlyMethod { get; set; }

    /// <summary>
    /// For the next <paramref name="count"/> upload <c>PATCH</c> requests: forwards only the first
    /// <see cref="CutAfterBytes"/> bytes of the body to the registry (which keeps them, as after a
    /// connection that broke mid-request), then answers 502 Bad Gateway, as a load balancer in front of
    /// a registry does when the connection behind it broke.
    /// </summary>
    public void CutUploadBodies(int count) => Volatile.Write(ref _uploadCutsLeft, count);

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

        _upstream.Dispose();
        _stop.Dispose();
    }

    private static bool TryTake(ref int counter)
    {
        while (true)
        {
            var left = Volatile.Read(ref counter);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, left - 1, left) == left)
            {
                return true;
            }
        }
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

            _ = Task.Run(async () =>
            {
                try
                {
                    await AnswerAsync(context, cancellationToken);
                }
                catch (Exception e) when (e is HttpListenerException or IOException or HttpRequestException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
                {
                    try
                    {
                        context.Response.Abort();
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                }
            }, CancellationToken.None);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var response = context.Response;
        var pathAndQuery = request.Url!.PathAndQuery;
        Requests.Enqueue((request.HttpMethod, pathAndQuery, request.Headers["Range"]));
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        if ((FailOnlyMethod is not { } only || only == request.HttpMethod) && TryTake(ref _failuresLeft))
        {
            var status = Volatile.Read(ref _failureStatus);
            var code = status == 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE";
            var envelope = System.Text.Encoding.UTF8.GetBytes($$"""{"errors":[{"code":"{{code}}","message":"injected by the fault proxy"}]}""");
            response.StatusCode = status;
            if (RetryAfterSeconds is { } seconds)
            {
                response.Headers["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            response.ContentType = "application/json";
            response.ContentLength64 = envelope.Length;
            if (request.HttpMethod != "HEAD")
            {
                await response.OutputStream.WriteAsync(envelope, cancellationToken);
            }

            response.Close();
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(_target, pathAndQuery));
        var cutUpload = request.HttpMethod == "PATCH" && pathAndQuery.Contains("/blobs/uploads/", StringComparison.Ordinal) && TryTake(ref _uploadCutsLeft);
        if (cutUpload)
        {
            // Only the first bytes reach the registry, as a complete request of their own.
            var part = new byte[CutAfterBytes];
            var have = 0;
            int got;
            while (have < part.Length && (got = await request.InputStream.ReadAsync(part.AsMemory(have), cancellationToken)) > 0)
            {
                have += got;
            }

            forward.Content = new ByteArrayContent(part, 0, have);
        }
        else if (request.HasEntityBody)
        {
            forward.Content = new StreamContent(request.InputStream);
        }

        foreach (var name in request.Headers.AllKeys)
        {
            if (name is null || name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)
                || (cutUpload && name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var values = request.Headers.GetValues(name) ?? [];
            if (!forward.Headers.TryAddWithoutValidation(name, values))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, values);
            }
        }

        forward.Headers.Host = Address;
        using var answer = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (cutUpload)
        {
            // HttpListener cannot drop a connection before an answer (its Abort still sends a 200), so
            // the client hears what a load balancer says when the connection behind it broke.
            response.StatusCode = (int)HttpStatusCode.BadGateway;
            response.ContentLength64 = 0;
            response.Close();
            return;
        }

        response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentLength64 = answer.Content.Headers.ContentLength ?? 0;
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentType = string.Join(",", values);
            }
            else if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                && !name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var value in values)
                {
                    response.AppendHeader(name, value);
                }
            }
        }

        if (request.HttpMethod == "HEAD")
        {
            response.Close();
            return;
        }

        var cut = request.HttpMethod == "GET" && pathAndQuery.Contains("/blobs/", StringComparison.Ordinal) && answer.IsSuccessStatusCode && TryTake(ref _cutsLeft);
        await using var body = await answer.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[16 * 1024];
        long sent = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (cut && sent + read >= CutAfterBytes)
            {
                await response.OutputStream.WriteAsync(buffer.AsMemory(0, (int)(CutAfterBytes - sent)), cancellationToken);
                await response.OutputStream.FlushAsync(cancellationToken);
                response.Abort();
                return;
            }

            await response.OutputStream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            sent += read;
        }

        response.Close();
    }
}
