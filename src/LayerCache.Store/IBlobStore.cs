namespace LayerCache.Store;

/// <summary>
/// Content-addressed blob storage (layers, configs, manifests, entry indexes, each under its digest):
/// the capabilities every store has, stat, verified read and ingest through upload sessions. The
/// optional ones are separate interfaces the same object may implement, discovered with a type test
/// or <see cref="ICacheStore.Capabilities"/>: <see cref="IBlobDeleter"/>, <see cref="IBlobEnumerator"/>,
/// <see cref="IResumableBlobIngester"/>. Convenience over these (exists, size, one-shot write, push if
/// new) is in <see cref="BlobStoreExtensions"/>. Writers that will publish an entry hold a
/// <see cref="ICacheStore.BeginWriteAsync"/> session so a concurrent prune does not collect their blobs.
/// </summary>
public interface IBlobStore : IBlobStatter, IBlobProvider, IBlobIngester
{
}
