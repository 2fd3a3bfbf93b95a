using System.IO.Compression;
using System.Security.Cryptography;

namespace LayerCache.Oci;

/// <summary>
/// Inflates a gzip-compressed stored layer into the uncompressed tar the engine is given, so that the
/// engine still receives only what <see cref="LayerContentGuardStream"/> admits (an uncompressed,
/// non-sparse tar) and never inflates anything itself. Read-only, forward-only, constant memory:
/// a <see cref="GZipStream"/> over the stored blob's (verifying) stream, the guard over that, and the
/// inflated bytes hashed on the way out.
/// </summary>
/// <remarks>
/// <para>
/// Every refusal is a <see cref="LayerContentRefusedException"/> naming the <em>stored</em> blob (the
/// compressed digest, the one a store can quarantine; never the DiffId, which in a mixed store may be
/// another, good blob): invalid gzip (a bad header, a bad CRC, a truncated stream), more inflated bytes
/// than <see cref="MaxInflatedSize"/> (a decompression bomb), tar content the guard refuses, and an
/// inflated tar whose digest is not the DiffId the image config names. Before a gzip or size refusal
/// the rest of the stored blob is read, so that its own digest is checked first: a blob whose bytes are
/// not its digest's is reported as that (a <see cref="DigestMismatchException"/>, say a corrupt
/// download), and only a blob whose bytes are proven its own is called foreign.
/// </para>
/// <para>
/// The end of the inflated stream is reported (a read returns 0) only after the stored blob has been
/// read to its end (so a verifying inner stream has checked it) and the DiffId matched: a consumer that
/// reads to the end never sees unverified content succeed. Like <see cref="InspectingReadStream"/>, a
/// failure sticks.
/// </para>
/// </remarks>
public sealed class InflatedLayerStream : Stream
{
    private readonly Stream _compressed;
    private readonly GZipStream _gzip;
    private readonly LayerContentGuardStream _guard;
    private readonly IncrementalHash _hash;
    private readonly bool _leaveOpen;
    private long _inflated;
    private bool _ended;
    private bool _disposed;
    private Exception? _failure;

    /// <summary>Inflates <paramref name="compressed"/>, the stored gzip blob of a layer.</summary>
    /// <param name="compressed">The stored blob (normally a verifying stream checking its digest and size).</param>
    /// <param name="layer">The stored blob's digest, named in every refusal so the blob can be quarantined.</param>
    /// <param name="diffId">The DiffId the image config names: the digest the inflated tar must have.</param>
    /// <param name="maxInflatedSize">The most inflated bytes accepted; one more is a refusal.</param>
    /// <param name="source">Names the layer in error messages.</param>
    /// <param name="leaveOpen">Keep <paramref name="compressed"/> open when this stream is disposed.</param>
    public InflatedLayerStream(Stream compressed, Digest layer, DiffId diffId, long maxInflatedSize, string? source = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        ArgumentOutOfRangeException.ThrowIfNegative(maxInflatedSize);
        _compressed = compressed;
        _leaveOpen = leaveOpen;
        Layer = layer;
        DiffId = diffId;
        MaxInflatedSize = maxInflatedSize;
        Source = source ?? "blob " + layer;
        _gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        _guard = new LayerContentGuardStream(_gzip, layer, Source, leaveOpen: true);
        _hash = Digest.CreateHash(diffId.Digest.Algorithm);
    }

    /// <summary>
    /// How much a gzip layer may inflate to, at most <see cref="MaxInflationRatio"/> times its stored
    /// size (and never less than <see cref="MinInflationBound"/>).
    /// </summary>
    /// <remarks>
    /// Why a ratio: an entry records each layer's DiffId and its stored descriptor,
    /// and the image config only DiffIds, so nothing in the store states the inflated size; a hostile
    /// store could state anything anyway. Real layers inflate 2-10x (binaries, text, packages); deflate
    /// cannot exceed about 1032x, and a layer beyond 256x is nearly all zeros (a preallocated file):
    /// such a layer is refused like a corrupt one (a warning, a cold build), which is the price of never
    /// letting a small blob fill the runner's disk. A reader that spools the inflated tar bounds it by
    /// the free space too, which the engine's copy needs as well.
    /// </remarks>
    public static long BoundFor(long storedSize) =>
        Math.Max(MinInflationBound, storedSize > long.MaxValue / MaxInflationRatio ? long.MaxValue : storedSize * MaxInflationRatio);

    /// <summary>The most a gzip layer may inflate relative to its stored size.</summary>
    public const long MaxInflationRatio = 256;

    /// <summary>The inflation bound of a small layer, whatever its ratio (a tiny layer of a few zeroed files is fine).</summary>
    public const long MinInflationBound = 64L * 1024 * 1024;

    /// <summary>The stored (compressed) blob's digest.</summary>
    public Digest Layer { get; }

    /// <summary>The DiffId the inflated tar must have.</summary>
    public DiffId DiffId { get; }

    /// <summary>The most inflated bytes accepted.</summary>
    public long MaxInflatedSize { get; }

    /// <summary>Names the layer in error messages.</summary>
    public string Source { get; }

    /// <summary>Inflated bytes passed on so far.</summary>
    public long InflatedBytes => _inflated;

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException("the inflated length is known only at the end");

    /// <inheritdoc/>
    public override long Position
    {
        get => _inflated;
        set => throw new NotSupportedException($"{nameof(InflatedLayerStream)} cannot seek");
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
        if (buffer.Length == 0 || _ended)
        {
            return 0;
        }

        int read;
        try
        {
            read = _guard.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            Drain();
            throw Refuse($"not a valid gzip stream ({e.Message})");
        }
        catch (LayerContentRefusedException e)
        {
            Drain();
            _failure = e;
            throw;
        }
        catch (ContentVerificationException e)
        {
            _failure = e;
            throw;
        }

        if (read > 0)
        {
            if (!Accept(buffer[..read]))
            {
                Drain();
                throw Refuse(TooLarge());
            }

            return read;
        }

        Drain();
        Finish();
        return 0;
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
        if (buffer.Length == 0 || _ended)
        {
            return 0;
        }

        int read;
        try
        {
            read = await _guard.ReadAsync(buffer, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            await DrainAsync(cancellationToken);
            throw Refuse($"not a valid gzip stream ({e.Message})");
        }
        catch (LayerContentRefusedException e)
        {
            await DrainAsync(cancellationToken);
            _failure = e;
            throw;
        }
        catch (ContentVerificationException e)
        {
            _failure = e;
            throw;
        }

        if (read > 0)
        {
            if (!Accept(buffer.Span[..read]))
            {
                await DrainAsync(cancellationToken);
                throw Refuse(TooLarge());
            }

            return read;
        }

        await DrainAsync(cancellationToken);
        Finish();
        return 0;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException($"{nameof(InflatedLayerStream)} cannot seek");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException($"{nameof(InflatedLayerStream)} is read-only");

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException($"{nameof(InflatedLayerStream)} is read-only");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _hash.Dispose();
            _guard.Dispose();
            _gzip.Dispose();
            if (!_leaveOpen)
            {
                _compressed.Dispose();
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
            await _guard.DisposeAsync();
            await _gzip.DisposeAsync();
            if (!_leaveOpen)
            {
                await _compressed.DisposeAsync();
            }
        }

        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private bool Accept(ReadOnlySpan<byte> data)
    {
        // Checked before the bytes are passed on: the consumer (a spool file, the engine) never
        // receives a byte beyond the bound.
        _inflated += data.Length;
        if (_inflated > MaxInflatedSize)
        {
            return false;
        }

        _hash.AppendData(data);
        return true;
    }

    private string TooLarge() => $"it inflates to more than {MaxInflatedSize} bytes (a decompression bomb, or a layer beyond the inflation bound)";

    private void Finish()
    {
        var actual = Digest.FromHash(DiffId.Digest.Algorithm, _hash.GetHashAndReset());
        if (actual != DiffId.Digest)
        {
            throw Refuse($"it inflates to {actual}, not the DiffId {DiffId} its image config names");
        }

        _ended = true;
    }

    // The stored blob is read to its end (discarded) so that its verifying stream checks its digest:
    // a mismatch there is thrown instead of the refusal, since it, not the content, is the finding.
    private void Drain()
    {
        var buffer = new byte[81920];
        try
        {
            while (_compressed.Read(buffer) > 0)
            {
            }
        }
        catch (ContentVerificationException e)
        {
            _failure = e;
            throw;
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        try
        {
            while (await _compressed.ReadAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        catch (ContentVerificationException e)
        {
            _failure = e;
            throw;
        }
    }

    private LayerContentRefusedException Refuse(string reason)
    {
        var failure = new LayerContentRefusedException(Layer, Source, _inflated, reason);
        _failure = failure;
        return failure;
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
