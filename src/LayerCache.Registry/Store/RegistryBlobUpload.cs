using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>
/// One registry upload session as a store upload: content is read a chunk at a time into one buffer,
/// hashed on the way, and sent as one <c>PATCH</c> per chunk; the blob is named at commit by the digest
/// computed here, after it was checked against the expectation. The buffer is what makes the upload
/// resumable: when a <c>PATCH</c> fails transiently (a reset connection, a 429 or 503 from the registry
/// or a proxy in front of it), the session's status says how much of the chunk the registry kept, and the
/// rest is sent again, so a multi-gigabyte layer is not lost to one broken request. Memory is one chunk
/// per upload, whatever the blob's size. A blob the registry already has is not committed again (the
/// session is dropped and the commit says it existed).
/// </summary>
internal sealed class RegistryBlobUpload : IBlobUpload
{
    private readonly RegistryClient _client;
    private readonly string _repository;
    private readonly string _location;
    private readonly Digest? _expected;
    private readonly long? _expectedSize;
    private readonly ChunkBuffers _buffers;
    private readonly IncrementalHash _hash;
    private readonly Action<BlobInfo>? _committed;
    private Uri _session;
    private bool _finished;

    // committed: told of the blob once the registry has it (stored now, or before).
    public RegistryBlobUpload(RegistryClient client, string repository, string location, Uri session, Digest? expected, long? expectedSize, ChunkBuffers buffers, Action<BlobInfo>? committed = null)
    {
        _committed = committed;
        _client = client;
        _repository = repository;
        _location = location;
        _session = session;
        _expected = expected;
        _expectedSize = expectedSize;
        _buffers = buffers;
        _hash = Digest.CreateHash(expected?.Algorithm ?? DigestAlgorithm.Sha256);
    }

    /// <inheritdoc/>
    public string Id => _session.ToString();

    /// <inheritdoc/>
    public long Offset { get; private set; }

    private DigestAlgorithm Algorithm => _expected?.Algorithm ?? DigestAlgorithm.Sha256;

    /// <inheritdoc/>
    public async Task WriteAsync(Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ObjectDisposedException.ThrowIf(_finished, this);

        var buffer = _buffers.Rent();
        try
        {
            while (true)
            {
                var length = await FillAsync(content, buffer, cancellationToken);
                if (length == 0)
                {
                    return;
                }

                _hash.AppendData(buffer, 0, length);
                await SendChunkAsync(buffer.AsMemory(0, length), cancellationToken);
            }
        }
        catch (RegistryException e)
        {
            await CancelAsync(CancellationToken.None);
            throw RegistryStoreErrors.Translate(e, _location);
        }
        finally
        {
            _buffers.Return(buffer);
        }
    }

    /// <summary>Sends one chunk; after a transient failure, continues from what the registry says it kept.</summary>
    private async Task SendChunkAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        var options = _client.Options;
        var kept = 0;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _session = await _client.AppendUploadAsync(_session, chunk[kept..], cancellationToken);
                Offset += chunk.Length;
                return;
            }
            catch (RegistryException e) when (e.IsTransient && attempt < options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                var delay = e.RetryAfter ?? TimeSpan.FromTicks(Math.Min(options.MaxRetryDelay.Ticks, options.RetryDelay.Ticks << attempt));
                options.OnRetry?.Invoke($"{e.Message}; continuing the upload from the registry's offset in {delay.TotalSeconds:0.0}s");
                await Task.Delay(delay < options.MaxRetryDelay ? delay : options.MaxRetryDelay, cancellationToken);

                // The status (retried by the client) says where the registry is; a session it no longer
                // knows, or an offset outside this chunk, cannot be continued: the upload fails as before.
                UploadStatus status;
                try
                {
                    status = await _client.GetUploadStatusAsync(_session, cancellationToken);
                }
                catch (RegistryException)
                {
                    // The request's own failure is the cause to report.
                    ExceptionDispatchInfo.Throw(e);
                    throw;
                }

                // "0-0" is both nothing and one byte: a session past its first byte holds at least one.
                var total = status.Offset == 0 && Offset > 0 ? 1 : status.Offset;
                var held = total - Offset;
                if (held < 0 || held > chunk.Length)
                {
                    throw new RegistryException(RegistryErrorKind.Invalid, $"upload of {_expected?.ToString() ?? "a blob"}: the registry holds {status.Offset} bytes, outside the chunk at {Offset}-{Offset + chunk.Length}", innerException: e);
                }

                _session = status.Location;
                kept = (int)held;
                if (kept == chunk.Length)
                {
                    // The registry took it all and only the answer was lost.
                    Offset += chunk.Length;
                    return;
                }
            }
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the content ends; the number of bytes read.</summary>
    private static async Task<int> FillAsync(Stream content, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await content.ReadAsync(buffer[filled..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    /// <inheritdoc/>
    public async Task<BlobInfo> CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        var digest = Digest.FromHash(Algorithm, _hash.GetCurrentHash());
        var what = $"{_location}: upload of {_expected?.ToString() ?? digest.ToString()}";
        if (_expectedSize is { } size && size != Offset)
        {
            await CancelAsync(CancellationToken.None);
            throw new SizeMismatchException(size, Offset, what);
        }

        if (_expected is { } expected && expected != digest)
        {
            await CancelAsync(CancellationToken.None);
            throw new DigestMismatchException(expected, digest, what);
        }

        try
        {
            if (await _client.HeadBlobAsync(_repository, digest, cancellationToken) is { } existing)
            {
                await CancelAsync(CancellationToken.None);
                _committed?.Invoke(new BlobInfo(digest, existing));
                return new BlobInfo(digest, existing) { Existed = true };
            }

            await _client.CompleteUploadAsync(_session, digest, cancellationToken);
            _finished = true;
            _committed?.Invoke(new BlobInfo(digest, Offset));
            return new BlobInfo(digest, Offset);
        }
        catch (RegistryException e)
        {
            await CancelAsync(CancellationToken.None);
            throw RegistryStoreErrors.Translate(e, _location);
        }
    }

    /// <inheritdoc/>
    public async Task CancelAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        await _client.AbandonUploadAsync(_session);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await CancelAsync(CancellationToken.None);
        _hash.Dispose();
    }
}
