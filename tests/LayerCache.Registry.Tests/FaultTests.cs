using System.Diagnostics;
using System.Net;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Testing;

namespace LayerCache.Registry.Tests;

/// <summary>
/// A real registry behind a fault-injecting proxy (error storms, slow answers, cut transfers) and a
/// registry killed mid-upload: retries within bounds, then a typed error, never a hang, never corrupt content.
/// </summary>
public sealed class FaultTests(PrivateRegistry registry) : IClassFixture<PrivateRegistry>
{
    private static CancellationToken Token => TestContext.Token;

    private RegistryClient Direct() => new(new RegistryClientOptions { Registry = registry.Address });

    private static RegistryClient ThroughProxy(FaultProxy proxy, int maxRetries = 3, TimeSpan? requestTimeout = null, List<string>? notes = null) => new(new RegistryClientOptions
    {
        Registry = proxy.Address,
        MaxRetries = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromSeconds(2),
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30),
        StallTimeout = requestTimeout ?? TimeSpan.FromSeconds(30),
        OnRetry = notes is null ? null : note => { lock (notes) { notes.Add(note); } },
    });

    [Fact]
    public async Task A_short_503_storm_is_ridden_out_by_retries()
    {
        var image = TestImage.Create("storm");
        using (var direct = Direct())
        {
            await image.PushAsync(direct, "fault/storm", "v1", Token);
        }

        await using var proxy = FaultProxy.Start(registry.BaseUri);
        var notes = new List<string>();
        using var client = ThroughProxy(proxy, maxRetries: 4, notes: notes);
        await client.PingAsync(Token);
        proxy.FailNext(3, HttpStatusCode.ServiceUnavailable);
        var manifest = await client.GetManifestAsync("fault/storm", "v1", Token);
        Assert.Equal(image.Manifest.Digest, manifest?.Descriptor.Digest);
        Assert.Equal(3, notes.Count);
        Assert.All(notes, n => Assert.Contains("503", n, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_long_429_storm_ends_in_a_typed_transient_error_within_the_retry_bound()
    {
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        using var client = ThroughProxy(proxy, maxRetries: 3);
        await client.PingAsync(Token);
        proxy.FailNext(1000, HttpStatusCode.TooManyRequests);
        var before = proxy.Requests.Count;
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RegistryException>(() => client.HeadBlobAsync("fault/storm", Digest.Compute("x"u8), Token));
        Assert.Equal(RegistryErrorKind.Transient, error.Kind);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Equal(4, proxy.Requests.Count - before);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());

        var manifestError = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("fault/storm", "v1", Token));
        Assert.True(manifestError.Has(RegistryErrorCode.TooManyRequests), manifestError.Message);
    }

    [Fact]
    public async Task Retry_after_is_honoured()
    {
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        using var client = ThroughProxy(proxy, maxRetries: 2);
        await client.PingAsync(Token);
        proxy.RetryAfterSeconds = 1;
        proxy.FailNext(1, HttpStatusCode.TooManyRequests);
        var clock = Stopwatch.StartNew();
        Assert.Null(await client.HeadBlobAsync("fault/after", Digest.Compute("y"u8), Token));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task Slow_answers_time_out_per_attempt_and_end_in_a_typed_error_not_a_hang()
    {
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        using var client = ThroughProxy(proxy, maxRetries: 2, requestTimeout: TimeSpan.FromMilliseconds(400));
        await client.PingAsync(Token);
        proxy.Delay = TimeSpan.FromSeconds(5);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RegistryException>(() => client.HeadManifestAsync("fault/slow", "v1", Token));
        Assert.Equal(RegistryErrorKind.Transient, error.Kind);
        Assert.Null(error.StatusCode);
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task A_dropped_blob_transfer_resumes_with_a_range_request_and_verifies()
    {
        const long size = 3L * 1024 * 1024 + 17;
        var digest = await Digest.ComputeAsync(new PatternStream(size), Token);
        using (var direct = Direct())
        {
            await direct.PushBlobAsync("fault/resume", digest, size, _ => Task.FromResult<Stream>(new PatternStream(size)), null, Token);
        }

        await using var proxy = FaultProxy.Start(registry.BaseUri);
        using var client = ThroughProxy(proxy, maxRetries: 3);
        proxy.CutAfterBytes = 256 * 1024;
        proxy.CutBlobBodies(2);
        await using var blob = await client.OpenBlobAsync("fault/resume", digest, size, Token);
        var read = await Digest.ComputeAsync(blob, Token);
        Assert.Equal(digest, read);
        Assert.True(blob.IsVerified);
        Assert.Equal(2, blob.Resumes);
        var ranges = proxy.Requests.Where(r => r.Range is not null).Select(r => r.Range).ToList();
        Assert.Equal(["bytes=262144-", "bytes=524288-"], ranges);
    }

    [Fact]
    public async Task A_transfer_that_keeps_breaking_off_ends_in_a_typed_transient_error()
    {
        const long size = 1024 * 1024;
        var digest = await Digest.ComputeAsync(new PatternStream(size), Token);
        using (var direct = Direct())
        {
            await direct.PushBlobAsync("fault/broken", digest, size, _ => Task.FromResult<Stream>(new PatternStream(size)), null, Token);
        }

        await using var proxy = FaultProxy.Start(registry.BaseUri);
        using var client = ThroughProxy(proxy, maxRetries: 2);
        proxy.CutAfterBytes = 1000;
        proxy.CutBlobBodies(100);
        await using var blob = await client.OpenBlobAsync("fault/broken", digest, size, Token);
        var error = await Assert.ThrowsAsync<RegistryException>(() => blob.VerifyToEndAsync(Token));
        Assert.Equal(RegistryErrorKind.Transient, error.Kind);
        Assert.False(blob.IsVerified);
    }

    [Fact]
    public async Task A_registry_that_serves_wrong_bytes_is_reported_corrupt()
    {
        // The registry's own storage is damaged behind its back: the bytes it serves no longer hash to the digest.
        var content = "original content of the blob"u8.ToArray();
        var digest = Digest.Compute(content);
        using var client = Direct();
        await client.PushBlobAsync("fault/damaged", digest, content.Length, _ => Task.FromResult<Stream>(new MemoryStream(content)), null, Token);
        var data = Path.Combine(registry.StorageDirectory, "docker", "registry", "v2", "blobs", "sha256", digest.Hex[..2], digest.Hex, "data");
        await File.WriteAllTextAsync(data, "damaged content of the blob!", Token);
        await using var blob = await client.OpenBlobAsync("fault/damaged", digest, content.Length, Token);
        var error = await Assert.ThrowsAsync<RegistryException>(() => blob.VerifyToEndAsync(Token));
        Assert.Equal(RegistryErrorKind.Corrupt, error.Kind);
    }

    [Fact]
    public async Task A_registry_killed_mid_upload_gives_a_typed_transient_error_and_nothing_at_the_digest()
    {
        await using var own = await PrivateRegistry.StartAsync(Token);
        const long size = 64L * 1024 * 1024;
        var digest = await Digest.ComputeAsync(new PatternStream(size), Token);
        using var client = new RegistryClient(new RegistryClientOptions { Registry = own.Address, MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(50), RequestTimeout = TimeSpan.FromSeconds(10) });
        var killed = 0;
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PushBlobAsync("fault/killed", digest, size, _ =>
            Task.FromResult<Stream>(new CallbackStream(new PatternStream(size), 8L * 1024 * 1024, async () =>
            {
                if (Interlocked.Exchange(ref killed, 1) == 0)
                {
                    await own.KillAsync();
                }
            })), null, Token));
        Assert.Equal(RegistryErrorKind.Transient, error.Kind);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), clock.Elapsed.ToString());

        await own.RestartAsync(Token);
        Assert.Null(await client.HeadBlobAsync("fault/killed", digest, Token));
        Assert.False(File.Exists(Path.Combine(own.StorageDirectory, "docker", "registry", "v2", "blobs", "sha256", digest.Hex[..2], digest.Hex, "data")));
    }

    /// <summary>Calls back once the reader has passed a position (to kill the registry mid-upload).</summary>
    private sealed class CallbackStream(Stream inner, long at, Func<Task> callback) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= at)
            {
                await callback();
            }

            var read = await inner.ReadAsync(buffer, cancellationToken);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
