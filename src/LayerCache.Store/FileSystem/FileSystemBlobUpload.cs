using System.Security.Cryptography;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// An upload into the directory store: a temp file in the layout's <c>.tmp/</c>, hashed as it is
/// written, renamed to <c>blobs/ALG/HEX</c> at commit once verified. Not resumable: a local copy that
/// broke is simply redone, and a killed writer's temp file is swept by a prune.
/// </summary>
internal sealed class FileSystemBlobUpload : ILateDigestBlobUpload
{
    private readonly OciLayout _layout;
    private Digest? _expected;
    private long? _expectedSize;
    private readonly IncrementalHash _hash;
    private readonly string _tempPath;
    private FileStream? _file;
    private bool _finished;

    public FileSystemBlobUpload(OciLayout layout, Digest? expected, long? expectedSize)
    {
        _layout = layout;
        _expected = expected;
        _expectedSize = expectedSize;
        _hash = Digest.CreateHash(expected?.Algorithm ?? DigestAlgorithm.Sha256);
        _file = AtomicFile.CreateTemp(layout.TempDirectory, out _tempPath);
    }

    /// <inheritdoc/>
    public string Id => Path.GetFileName(_tempPath);

    /// <inheritdoc/>
    public long Offset { get; private set; }

    /// <inheritdoc/>
    public async Task WriteAsync(Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var file = _file ?? throw new InvalidOperationException("the upload is finished");
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (_expectedSize is { } limit && Offset + read > limit)
            {
                throw new SizeMismatchException(limit, Offset + read, "blob " + (_expected?.ToString() ?? "upload"));
            }

            _hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            Offset += read;
        }
    }

    /// <inheritdoc/>
    public async Task<BlobInfo> CommitAsync(CancellationToken cancellationToken)
    {
        var file = _file ?? throw new InvalidOperationException("the upload is finished");
        var digest = Digest.FromHash(_expected?.Algorithm ?? DigestAlgorithm.Sha256, _hash.GetHashAndReset());
        try
        {
            if (_expected is { } expected && expected != digest)
            {
                throw new DigestMismatchException(expected, digest, "blob " + expected);
            }

            if (_expectedSize is { } size && size != Offset)
            {
                throw new SizeMismatchException(size, Offset, "blob " + digest);
            }

            // Content of unknown digest (a layer tar of a docker save) may turn out to be a blob we
            // have: keep the stored copy rather than rewrite it, and say so.
            if (_layout.TryGetBlobSize(digest, out var storedSize) && storedSize == Offset)
            {
                await CancelAsync(cancellationToken);
                return new BlobInfo(digest, Offset) { Existed = true };
            }

            var final = _layout.GetBlobPath(digest);

            // blobs/ and blobs/ALG must be the layout's own directories, never links out of it.
            var algorithmDirectory = Path.GetDirectoryName(final)!;
            UntrustedFile.RequireDirectory(Path.GetDirectoryName(algorithmDirectory)!, mayBeMissing: true);
            UntrustedFile.RequireDirectory(algorithmDirectory, mayBeMissing: true);
            _file = null;
            await AtomicFile.CommitAsync(file, _tempPath, final, cancellationToken);
            _finished = true;
            return new BlobInfo(digest, Offset);
        }
        catch
        {
            await CancelAsync(CancellationToken.None);
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task<BlobInfo> CommitAsync(Digest expected, long? expectedSize, CancellationToken cancellationToken)
    {
        // The content was hashed with the algorithm chosen at begin; a digest of another cannot be checked.
        if ((_expected is { } begun && begun != expected) || expected.Algorithm != (_expected?.Algorithm ?? DigestAlgorithm.Sha256))
        {
            await CancelAsync(CancellationToken.None);
            throw new DigestMismatchException($"blob {expected}: the upload was begun for {_expected?.ToString() ?? "sha256 content"}");
        }

        if (expectedSize is { } size && _expectedSize is { } begunSize && size != begunSize)
        {
            await CancelAsync(CancellationToken.None);
            throw new SizeMismatchException(size, begunSize, "blob " + expected);
        }

        _expected = expected;
        _expectedSize ??= expectedSize;
        return await CommitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task CancelAsync(CancellationToken cancellationToken)
    {
        if (_file is { } file)
        {
            _file = null;
            await file.DisposeAsync();
        }

        if (!_finished)
        {
            _finished = true;
            AtomicFile.TryDelete(_tempPath);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await CancelAsync(CancellationToken.None);
        _hash.Dispose();
    }
}
