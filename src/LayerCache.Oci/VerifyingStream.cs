using System.Security.Cryptography;

namespace LayerCache.Oci;

/// <summary>
/// A read-only, forward-only wrapper that hashes what is read and checks it against an expected
/// digest and size. Reading past the expected size throws <see cref="SizeMismatchException"/> at once;
/// reaching the end short throws it at the end; a wrong digest throws <see cref="DigestMismatchException"/>
/// when the last byte has been read (when the expected size is reached, or at end of stream).
/// A consumer that reads to the end therefore never sees unverified content succeed.
/// </summary>
public sealed class VerifyingStream : InspectingReadStream
{
    private readonly IncrementalHash _hash;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The content.</param>
    /// <param name="expectedDigest">The digest the content must have; its algorithm is used to hash.</param>
    /// <param name="expectedSize">The size the content must have, if known.</param>
    /// <param name="source">Names the content in error messages (a path, an entry name).</param>
    /// <param name="leaveOpen">Keep <paramref name="inner"/> open when this stream is disposed.</param>
    public VerifyingStream(Stream inner, Digest expectedDigest, long? expectedSize = null, string? source = null, bool leaveOpen = false)
        : base(inner, leaveOpen)
    {
        if (expectedDigest.IsEmpty)
        {
            throw new ArgumentException("an expected digest is required", nameof(expectedDigest));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(expectedSize ?? 0, nameof(expectedSize));
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
    public override long Length => ExpectedSize ?? throw new NotSupportedException("the length is not known");

    /// <inheritdoc/>
    protected override long BytesPassed => BytesRead;

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
    protected override void ReleaseInspection() => _hash.Dispose();

    /// <inheritdoc/>
    protected override int Inspect(ReadOnlySpan<byte> data, int requested)
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
}
