namespace LayerCache.Oci;

/// <summary>
/// Wraps a tar entry's data and throws when it ends before the size its header declared: the tar
/// reader's sub-stream just returns 0 when the archive is cut short, which would make a truncated
/// layer look complete to a sink.
/// </summary>
internal sealed class LengthCheckedStream(Stream inner, long expectedLength, string entryPath) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => expectedLength;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer) => Check(inner.Read(buffer), buffer.Length);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Check(await inner.ReadAsync(buffer, cancellationToken), buffer.Length);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Check(int read, int requested)
    {
        _position += read;
        if (read == 0 && requested > 0 && _position < expectedLength)
        {
            throw new InvalidArchiveException(entryPath, $"truncated: the archive ends after {_position} of its {expectedLength} bytes");
        }

        return read;
    }
}
