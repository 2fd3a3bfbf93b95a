namespace LayerCache.Oci;

/// <summary>
/// An <see cref="IDockerArchiveSink"/> that stores the layers, configs and blobs of an archive as blobs
/// of an <see cref="OciLayout"/>, streaming. Blobs of the OCI form that the layout already holds are
/// skipped unread. Classic-layout layers are stored as they come (uncompressed tars, so their blob
/// digest is their DiffId).
/// </summary>
public sealed class OciLayoutArchiveSink(OciLayout layout) : IDockerArchiveSink
{
    private readonly Dictionary<string, BlobInfo> _stored = new(StringComparer.Ordinal);

    /// <summary>What was stored, by archive path.</summary>
    public IReadOnlyDictionary<string, BlobInfo> Stored => _stored;

    /// <inheritdoc/>
    public ValueTask<bool> ShouldConsumeAsync(DockerArchiveEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var wanted = entry.Kind switch
        {
            DockerArchiveEntryKind.Layer or DockerArchiveEntryKind.Config => true,
            DockerArchiveEntryKind.Blob => !(entry.BlobDigest is { } digest && layout.TryGetBlobSize(digest, out var size) && size == entry.Size),
            _ => false,
        };
        return ValueTask.FromResult(wanted);
    }

    /// <inheritdoc/>
    public async Task ConsumeAsync(DockerArchiveEntry entry, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _stored[entry.Path] = await layout.WriteBlobAsync(content, entry.BlobDigest, entry.Size, cancellationToken);
    }
}
