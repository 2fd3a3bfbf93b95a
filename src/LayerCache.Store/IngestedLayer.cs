namespace LayerCache.Store;

/// <summary>A layer written by <see cref="LayerIngester"/>: both identities, and whether the store already had the blob.</summary>
/// <param name="Layer">The layer's DiffId and stored descriptor.</param>
/// <param name="Existed">True when the store already held the stored blob (nothing new was kept).</param>
public sealed record IngestedLayer(LayerRecord Layer, bool Existed);
