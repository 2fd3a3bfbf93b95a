using LayerCache.Oci;

namespace LayerCache.Server;

/// <summary>
/// Layers a bridge serves from a store other than the one it serves blobs from (the inflating bridge:
/// a registry store, a store of gzip layers), named by the digest the engine knows them by, their
/// DiffId. <see cref="SizeOf"/> is the plain tar's size when the layer is known, else null;
/// <see cref="OpenAsync"/> opens the plain tar, verified (stored digest, DiffId before the end) and
/// guarded as a layer, so a failure surfaces as a <see cref="ContentVerificationException"/>.
/// </summary>
internal sealed record UpstreamLayers(Func<Digest, long?> SizeOf, Func<Digest, CancellationToken, Task<Stream>> OpenAsync);
