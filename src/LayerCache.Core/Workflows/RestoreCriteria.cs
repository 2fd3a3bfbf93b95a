using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>What a restore asks of an entry (see <see cref="RestoreStep.Rejection"/>).</summary>
/// <param name="Scope">The scope being read: the entry's own blob must state it.</param>
/// <param name="Image">The image being built: only its entries can serve it.</param>
/// <param name="Now">The current time.</param>
/// <param name="MaxAge">--max-age, or null.</param>
/// <param name="BaseImages">The base images as the engine has them now (null: unknown).</param>
/// <param name="Builder">The builder this run uses.</param>
/// <param name="Signer">The build's signing key (LAYERCACHE_SIGNING_KEY), or null when signing is off.</param>
/// <param name="BaseImageManifests">The base images' registry manifest digests as known now (null: unknown).</param>
internal sealed record RestoreCriteria(
    CacheScope Scope,
    ImageIdentity Image,
    DateTimeOffset Now,
    TimeSpan? MaxAge,
    IReadOnlyDictionary<string, Digest?> BaseImages,
    string Builder,
    EntrySigner? Signer,
    IReadOnlyDictionary<string, Digest?>? BaseImageManifests = null)
{
    /// <summary>Both identities of <paramref name="image"/> as this run knows them (either may be null).</summary>
    public BaseImageIdentity CurrentBaseImage(string image) =>
        new(BaseImages.GetValueOrDefault(image), BaseImageManifests?.GetValueOrDefault(image));
}
