namespace LayerCache.Oci;

/// <summary>
/// Receives the content of archive entries while <see cref="DockerArchiveReader"/> streams through a
/// tar, so that layers go straight to their destination (a store, a hash) without being held in memory.
/// The reader asks about every regular file in archive order; metadata arrives last in <c>docker save</c>
/// output, so a sink decides from the <see cref="DockerArchiveEntry"/> alone.
/// </summary>
public interface IDockerArchiveSink
{
    /// <summary>True to receive this entry's content through <see cref="ConsumeAsync"/>; false to skip it unread.</summary>
    ValueTask<bool> ShouldConsumeAsync(DockerArchiveEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Consumes an entry's content. The stream is forward-only and valid only during this call; the
    /// reader hashes what passes through it (and drains what the sink leaves unread), and for blob
    /// entries verifies it against the path's digest, throwing from the stream's last read on mismatch.
    /// </summary>
    Task ConsumeAsync(DockerArchiveEntry entry, Stream content, CancellationToken cancellationToken);
}
