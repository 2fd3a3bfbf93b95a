using System.Diagnostics.CodeAnalysis;

namespace LayerCache.Oci;

/// <summary>
/// The shared shape of a read-only, forward-only wrapper that inspects every chunk it passes on
/// (<see cref="VerifyingStream"/>, <see cref="LayerContentGuardStream"/>). A failure sticks: once
/// <see cref="Fail"/> has thrown, every later read throws the same exception, so a consumer that
/// retries or reads on never sees content past the point that failed.
/// </summary>
public abstract class InspectingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private Exception? _failure;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The content.</param>
    /// <param name="leaveOpen">Keep <paramref name="inner"/> open when this stream is disposed.</param>
    protected InspectingReadStream(Stream inner, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The wrapped content.</summary>
    protected Stream Inner => _inner;

    /// <summary>Bytes passed on so far (the stream's position).</summary>
    protected abstract long BytesPassed { get; }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Position
    {
        get => BytesPassed;
        set => throw new NotSupportedException($"{GetType().Name} cannot seek");
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
        return Inspect(buffer[..read], buffer.Length);
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
        return Inspect(buffer.Span[..read], buffer.Length);
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException($"{GetType().Name} cannot seek");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException($"{GetType().Name} is read-only");

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException($"{GetType().Name} is read-only");

    /// <summary>
    /// Inspects one chunk just read from the inner stream and returns how many bytes to pass on
    /// (<paramref name="data"/>'s length, or 0 at end of stream); throws through <see cref="Fail"/>.
    /// </summary>
    /// <param name="data">The bytes read; empty at end of stream.</param>
    /// <param name="requested">How many bytes the caller asked for (0 means the empty read was not an end).</param>
    protected abstract int Inspect(ReadOnlySpan<byte> data, int requested);

    /// <summary>Records <paramref name="failure"/> so every later read throws it too, and throws it.</summary>
    /// <param name="failure">What is wrong with the content.</param>
    [DoesNotReturn]
    protected void Fail(ContentVerificationException failure)
    {
        _failure = failure;
        throw failure;
    }

    /// <summary>Releases what the inspection holds (a hash); called once, on dispose.</summary>
    protected virtual void ReleaseInspection()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ReleaseInspection();
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
            ReleaseInspection();
            if (!_leaveOpen)
            {
                await _inner.DisposeAsync();
            }
        }

        await base.DisposeAsync();
        GC.SuppressFinalize(this);
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
