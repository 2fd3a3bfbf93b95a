using System.Security.Cryptography;

namespace LayerCache.Oci;

/// <summary>
/// A read-only, forward-only wrapper that hashes what is read and checks it against an expected
/// digest and size. Reading past the expected size throws <see cref="SizeMismatchException"/> at once;
/// reaching the end short throws it at the end; a wrong digest throws <see cref="DigestMismatchException"/>
/// when the last byte has been read (when the expected size is reached, or at end of stream).
/// A consumer that reads to the end therefore never sees unverified content succeed.
/// </summary>
public sealed class VerifyingStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly IncrementalHash _hash;
    private Exception? _failure;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The content.</param>
    /// <param name="expectedDigest">The digest the content must have; its algorithm is used to hash.</param>
    /// <param name="expectedSize">The size the content must have, if known.</param>
    /// <param name="source">Names the content in error messages (a path, an entry name).</param>
    /// <param name="leaveOpen">Keep <paramref name="inner"/> open when this stream is disposed.</param>
    public VerifyingStream(Stream inner, Digest expectedDigest, long? expectedSize = null, string? source = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (expectedDigest.IsEmpty)
        {
            throw new ArgumentException("an expected digest is required", nameof(expectedDigest));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(expectedSize ?? 0, nameof(expectedSize));
        _inner = inner;
        _leaveOpen = leaveOpen;
        ExpectedDigest = expectedDigest;
        ExpectedSize = expectedSize;
        Source = source;
        _hash = Digest.CreateHash(expectedDigest.Algorithm);
    }

    /// <summary>The digest the content must have.</summary>
    public Digest ExpectedDigest { get; }

    /// <summary>The size the content must have, if known.</summary>
    public long? ExpectedSize { get; }

    /// <summary>Names the content in error messages.</summary>
    public string? Source { get; }

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>True once all content has been read and matched.</summary>
    public bool IsVerified { get; private set; }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => ExpectedSize ?? throw new NotSupportedException("the length is not known");

    /// <inheritdoc/>
    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException("a verifying stream cannot seek");
    }

    /// <summary>Reads the rest of the content (discarding it) so that it is verified.</summary>
    /// <exception cref="ContentVerificationException">The content does not match.</exception>
    public async Task VerifyToEndAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (await ReadAsync(buffer, cancellationToken) > 0)
        {
        }
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
        ThrowIfFailedOrDisposed();
        var read = _inner.Read(buffer);
        return Process(buffer[..read], buffer.Length);
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
        ThrowIfFailedOrDisposed();
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        return Process(buffer.Span[..read], buffer.Length);
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a verifying stream cannot seek");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("a verifying stream is read-only");

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a verifying stream is read-only");

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

    private int Process(ReadOnlySpan<byte> data, int requested)
    {
        if (data.Length > 0)
        {
            if (IsVerified || (ExpectedSize is { } limit && BytesRead + data.Length > limit))
            {
                Fail(new SizeMismatchException(ExpectedSize ?? BytesRead, BytesRead + data.Length, Source));
            }

            BytesRead += data.Length;
            _hash.AppendData(data);
            if (BytesRead == ExpectedSize)
            {
                // Verify as soon as the last expected byte arrives: a consumer that stops reading at the
                // declared size (instead of waiting for end of stream) must not get unverified content.
                Complete();
            }

            return data.Length;
        }

        if (requested > 0 && !IsVerified)
        {
            if (ExpectedSize is { } expected && BytesRead < expected)
            {
                Fail(new SizeMismatchException(expected, BytesRead, Source));
            }

            Complete();
        }

        return 0;
    }

    private void Complete()
    {
        var actual = Digest.FromHash(ExpectedDigest.Algorithm, _hash.GetHashAndReset());
        if (actual != ExpectedDigest)
        {
            Fail(new DigestMismatchException(ExpectedDigest, actual, Source));
        }

        IsVerified = true;
    }

    private void Fail(ContentVerificationException failure)
    {
        _failure = failure;
        throw failure;
    }

    private void ThrowIfFailedOrDisposed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            throw _failure;
        }
    }
}
