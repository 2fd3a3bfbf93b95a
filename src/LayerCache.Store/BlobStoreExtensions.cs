using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>The usual operations composed from the blob capabilities, the same for every store.</summary>
public static class BlobStoreExtensions
{
    /// <summary>True when the blob is present (not verified).</summary>
    public static async Task<bool> ExistsAsync(this IBlobStatter blobs, Digest digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        return await blobs.StatAsync(digest, cancellationToken) is not null;
    }

    /// <summary>The blob's size in bytes, or null when it is absent.</summary>
    public static async Task<long?> TryGetSizeAsync(this IBlobStatter blobs, Digest digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        return (await blobs.StatAsync(digest, cancellationToken))?.Size;
    }

    /// <summary>
    /// Copies <paramref name="content"/> to its end into the store in one upload and returns its digest and
    /// size. When <paramref name="expected"/> is given the content must match it (and
    /// <paramref name="expectedSize"/>): on a mismatch nothing is stored and a
    /// <see cref="ContentVerificationException"/> is thrown. With a known digest the store is statted first
    /// and <paramref name="content"/> is not read when the blob is present.
    /// </summary>
    public static async Task<BlobInfo> WriteAsync(this IBlobStore blobs, Stream content, Digest? expected, long? expectedSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(content);
        if (expected is { } digest && await ExistingAsync(blobs, digest, expectedSize, cancellationToken) is { } present)
        {
            return present;
        }

        await using var upload = await blobs.BeginUploadAsync(expected, expectedSize, cancellationToken);
        await upload.WriteAsync(content, cancellationToken);
        return await upload.CommitAsync(cancellationToken);
    }

    /// <summary>Stores a small document already in memory (a manifest, a config, an entry index) under its digest.</summary>
    public static Task<BlobInfo> WriteAsync(this IBlobStore blobs, SerializedDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        return blobs.WriteAsync(new MemoryStream(document.Content.ToArray(), writable: false), document.Digest, document.Size, cancellationToken);
    }

    /// <summary>
    /// Push only if new: stats <paramref name="expected"/> and, when the store has it (with the expected
    /// size), returns it with <see cref="BlobInfo.Existed"/> without ever calling <paramref name="open"/>;
    /// otherwise opens the content and uploads it, verified against the digest.
    /// </summary>
    public static async Task<BlobInfo> PushIfNewAsync(this IBlobStore blobs, Digest expected, long? expectedSize, Func<CancellationToken, Task<Stream>> open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(open);
        if (await ExistingAsync(blobs, expected, expectedSize, cancellationToken) is { } present)
        {
            return present;
        }

        await using var content = await open(cancellationToken);
        await using var upload = await blobs.BeginUploadAsync(expected, expectedSize, cancellationToken);
        await upload.WriteAsync(content, cancellationToken);
        return await upload.CommitAsync(cancellationToken);
    }

    private static async Task<BlobInfo?> ExistingAsync(IBlobStatter blobs, Digest digest, long? expectedSize, CancellationToken cancellationToken) =>
        await blobs.StatAsync(digest, cancellationToken) is { } stat && (expectedSize is null || stat.Size == expectedSize)
            ? stat with { Existed = true }
            : null;
}
