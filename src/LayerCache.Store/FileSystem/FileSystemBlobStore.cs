using System.Runtime.CompilerServices;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Blobs in an OCI Image Layout directory (<c>blobs/ALG/HEX</c>), through <see cref="OciLayout"/>:
/// reads are verified by a <see cref="VerifyingStream"/>, writes go to a temp file in the layout's
/// <c>.tmp/</c>, are fsynced and renamed into place, so a blob is never visible under its name before
/// it is complete and verified.
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore, IBlobDeleter, IBlobEnumerator
{
    /// <summary>Wraps an opened layout.</summary>
    public FileSystemBlobStore(OciLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
    }

    /// <summary>The layout the blobs live in.</summary>
    public OciLayout Layout { get; }

    /// <summary>The directory of temp files that writers leave behind when killed.</summary>
    public string TempDirectory => Path.Combine(Layout.Root, OciLayout.TempDirectoryName);

    /// <summary>The path a blob is (or would be) stored at.</summary>
    public string GetBlobPath(Digest digest) => Layout.GetBlobPath(digest);

    /// <inheritdoc/>
    public Task<BlobInfo?> StatAsync(Digest digest, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Layout.TryGetBlobSize(digest, out var size) ? new BlobInfo(digest, size) : (BlobInfo?)null);
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenReadAsync(Digest digest, CancellationToken cancellationToken) =>
        await Layout.OpenBlobAsync(digest, expectedSize: null, cancellationToken);

    /// <inheritdoc/>
    public Task<IBlobUpload> BeginUploadAsync(Digest? expected, long? expectedSize, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IBlobUpload>(new FileSystemBlobUpload(Layout, expected, expectedSize));
    }

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(Digest digest, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult(Layout.DeleteBlob(digest));
        }
        catch (DirectoryNotFoundException)
        {
            // The algorithm directory does not exist, so neither does the blob.
            return Task.FromResult(false);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<BlobInfo> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var blob in Layout.EnumerateBlobs())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return blob;
        }

        await Task.CompletedTask;
    }
}
