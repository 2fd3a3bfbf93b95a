using LayerCache.Oci;

namespace LayerCache.Registry.Client;

/// <summary>
/// A blob read from a registry: streamed (constant memory), resumed with a Range request after a dropped
/// connection, and verified against its digest and size as it is read (<see cref="VerifyingStream"/>).
/// Every failure surfaces as a <see cref="RegistryException"/>: content that does not match is
/// <see cref="RegistryErrorKind.Corrupt"/>, a transfer that keeps breaking off is <see cref="RegistryErrorKind.Transient"/>.
/// A consumer that reads to the end never sees unverified content succeed.
/// </summary>
public sealed class BlobReadStream : Stream
{
    private readonly ResumingBlobStream _network;
    private readonly VerifyingStream _verifying;
    private readonly string _operation;

    internal BlobReadStream(ResumingBlobStream network, Digest digest, long? size, string operation)
    {
        _network = network;
        _operation = operation;
        Digest = digest;
        _verifying = new VerifyingStream(network, digest, size, operation);
    }

    /// <summary>The blob's digest.</summary>
    public Digest Digest { get; }

    /// <summary>Bytes passed on so far.</summary>
    public long BytesRead => _verifying.BytesRead;

    /// <summary>True once every byte has been read and matched the digest.</summary>
    public bool IsVerified => _verifying.IsVerified;

    /// <summary>How many times the transfer was resumed after a dropped connection.</summary>
    public int Resumes => _network.Resumes;

    /// <inheritdoc/>
    public override bool CanRead => _verifying.CanRead;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => _verifying.Length;

    /// <inheritdoc/>
    public override long Position
    {
        get => _verifying.BytesRead;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _verifying.ReadAsync(buffer, cancellationToken);
        }
        catch (ContentVerificationException e)
        {
            throw new RegistryException(RegistryErrorKind.Corrupt, $"{_operation}: {e.Message}", innerException: e);
        }
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("a registry blob is read asynchronously");

    /// <summary>Reads the rest (discarding it) so that the blob is verified.</summary>
    /// <exception cref="RegistryException">It does not match, or the transfer failed.</exception>
    public async Task VerifyToEndAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (await ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _verifying.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _verifying.Dispose();
        }

        base.Dispose(disposing);
    }
}
