using System.Security.Cryptography;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>
/// One registry upload session as a store upload: content is streamed in <c>PATCH</c> requests of at
/// most the chunk size (each one bounded in time, none buffered), hashed on the way, and the blob is
/// named at commit by the digest computed here, after it was checked against the expectation. A blob the
/// registry already has is not committed again (the session is dropped and the commit says it existed).
/// </summary>
internal sealed class RegistryBlobUpload : IBlobUpload
{
    private readonly RegistryClient _client;
    private readonly string _repository;
    private readonly string _location;
    private readonly Digest? _expected;
    private readonly long? _expectedSize;
    private readonly int _chunkSize;
    private readonly IncrementalHash _hash;
    private Uri _session;
    private bool _finished;

    public RegistryBlobUpload(RegistryClient client, string repository, string location, Uri session, Digest? expected, long? expectedSize, int chunkSize)
    {
        _client = client;
        _repository = repository;
        _location = location;
        _session = session;
        _expected = expected;
        _expectedSize = expectedSize;
        _chunkSize = Math.Max(64 * 1024, chunkSize);
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
        var source = new UploadSource(content, _hash);
        try
        {
            do
            {
                var slice = source.NextSlice(_chunkSize);
                _session = await _client.AppendUploadAsync(_session, slice, cancellationToken);
                Offset += slice.Sent;
            }
            while (!source.Ended);
        }
        catch (RegistryException e)
        {
            // A PATCH whose body was partly sent cannot be told apart from one the registry kept: start over.
            await CancelAsync(CancellationToken.None);
            throw RegistryStoreErrors.Translate(e, _location);
        }
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
                return new BlobInfo(digest, existing) { Existed = true };
            }

            await _client.CompleteUploadAsync(_session, digest, cancellationToken);
            _finished = true;
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

    /// <summary>The caller's content, hashed as the slices read it; a slice ends at its size or at the content's end.</summary>
    private sealed class UploadSource(Stream content, IncrementalHash hash)
    {
        public bool Ended { get; private set; }

        public Slice NextSlice(long size) => new(this, size);

        private async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (Ended)
            {
                return 0;
            }

            var read = await content.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                Ended = true;
            }
            else
            {
                hash.AppendData(buffer.Span[..read]);
            }

            return read;
        }

        /// <summary>One PATCH body. Disposing it (the request does) leaves the caller's content open.</summary>
        public sealed class Slice(UploadSource source, long size) : Stream
        {
            private readonly long _size = size;
            private long _left = size;

            public long Sent => _size - _left;

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position
            {
                get => Sent;
                set => throw new NotSupportedException();
            }

            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                if (_left == 0 || buffer.Length == 0)
                {
                    return 0;
                }

                var read = await source.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken);
                _left -= read;
                return read;
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("an upload is read asynchronously");

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
