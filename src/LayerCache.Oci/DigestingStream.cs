using System.Security.Cryptography;

namespace LayerCache.Oci;

/// <summary>
/// A pass-through wrapper that hashes and counts every byte read from or written to the inner stream,
/// e.g. to learn the digest and size of a blob while writing it to a file or an upload, in one pass
/// and constant memory. It checks nothing; see <see cref="VerifyingStream"/> for that.
/// </summary>
public sealed class DigestingStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly IncrementalHash _hash;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/>, hashing with <paramref name="algorithm"/>.</summary>
    public DigestingStream(Stream inner, DigestAlgorithm algorithm = DigestAlgorithm.Sha256, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _leaveOpen = leaveOpen;
        Algorithm = algorithm;
        _hash = Digest.CreateHash(algorithm);
    }

    /// <summary>The hash algorithm.</summary>
    public DigestAlgorithm Algorithm { get; }

    /// <summary>Bytes that have passed through so far.</summary>
    public long ByteCount { get; private set; }

    /// <summary>The digest of the bytes that have passed through so far.</summary>
    public Digest Digest
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Digest.FromHash(Algorithm, _hash.GetCurrentHash());
        }
    }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed && _inner.CanRead;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => !_disposed && _inner.CanWrite;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException("a digesting stream has no length");

    /// <inheritdoc/>
    public override long Position
    {
        get => ByteCount;
        set => throw new NotSupportedException("a digesting stream cannot seek");
    }

    /// <summary>Copies <paramref name="source"/> through this stream to its end.</summary>
    public async Task CopyFromAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await source.CopyToAsync(this, cancellationToken);
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var read = _inner.Read(buffer);
        Append(buffer[..read]);
        return read;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        Append(buffer.Span[..read]);
        return read;
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _inner.Write(buffer);
        Append(buffer);
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _inner.WriteAsync(buffer, cancellationToken);
        Append(buffer.Span);
    }

    /// <inheritdoc/>
    public override void Flush() => _inner.Flush();

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a digesting stream cannot seek");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("a digesting stream cannot change length");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _hash.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _hash.Dispose();
            if (!_leaveOpen)
            {
                await _inner.DisposeAsync();
            }
        }

        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0)
        {
            _hash.AppendData(data);
            ByteCount += data.Length;
        }
    }
}
