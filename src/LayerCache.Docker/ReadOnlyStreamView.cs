namespace LayerCache.Docker;

/// <summary>
/// A read-only, forward-only view of another stream that decides what its disposal releases:
/// <see cref="Owning"/> keeps an HTTP response (and its connection) alive until the caller of an
/// image save disposes the body; <see cref="LeaveOpen"/> hands a caller's archive to HttpClient,
/// which disposes request content, without letting it close the caller's stream.
/// </summary>
internal sealed class ReadOnlyStreamView : Stream
{
    private readonly Stream _inner;
    private readonly IDisposable? _owner;
    private readonly bool _disposeInner;

    private ReadOnlyStreamView(Stream inner, IDisposable? owner, bool disposeInner)
    {
        _inner = inner;
        _owner = owner;
        _disposeInner = disposeInner;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>A response body that disposes <paramref name="response"/> with itself.</summary>
    public static ReadOnlyStreamView Owning(HttpResponseMessage response, Stream body) => new(body, response, disposeInner: true);

    /// <summary>A view of the caller's stream that never disposes it.</summary>
    public static ReadOnlyStreamView LeaveOpen(Stream stream) => new(stream, owner: null, disposeInner: false);

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _inner.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer, cancellationToken);

    public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) =>
        _inner.CopyToAsync(destination, bufferSize, cancellationToken);

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
            if (_disposeInner)
            {
                _inner.Dispose();
            }

            _owner?.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposeInner)
        {
            await _inner.DisposeAsync();
        }

        _owner?.Dispose();
        await base.DisposeAsync();
    }
}
