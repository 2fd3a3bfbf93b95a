using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// How a store keeps blobs, decided by the store and obeyed by writers and readers
/// (<see cref="ICacheStore.Policy"/>).
/// </summary>
/// <param name="LayerCompression">
/// How layers are stored: <see cref="LayerCompression.None"/> keeps the tar as the engine gave it
/// (stored digest = DiffId; the directory store, where compressing costs CPU on every save and
/// restore and saves nothing the CI cache does not compress again); a registry stores gzip (zstd
/// where the engine can pull it), and then the stored digest differs from the DiffId (see
/// <see cref="LayerRecord"/>).
/// </param>
/// <param name="DeleteCorruptBlobs">
/// True when a blob found corrupt on read may be deleted to heal the store (the directory store: the
/// next save writes it again). False for a shared store (a registry): one bad download is no proof the
/// stored blob is bad, and other clients may be using it.
/// </param>
public sealed record BlobPolicy(LayerCompression LayerCompression, bool DeleteCorruptBlobs)
{
    /// <summary>The directory store's policy: uncompressed layers, corrupt blobs deleted.</summary>
    public static BlobPolicy Directory { get; } = new(LayerCompression.None, DeleteCorruptBlobs: true);

    /// <summary>A shared registry's policy: gzip layers, never delete a blob because one read failed.</summary>
    public static BlobPolicy Registry { get; } = new(LayerCompression.Gzip, DeleteCorruptBlobs: false);
}
