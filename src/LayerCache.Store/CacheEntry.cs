using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// One successful build's cache for one scope: the image of every stage plus the cache key and the
/// inputs it was computed from. Stored as an OCI image index blob (see <see cref="StoreAnnotations"/>);
/// <see cref="Id"/>, <see cref="RefName"/>, <see cref="LastUsed"/> and <see cref="Signature"/> are
/// assigned by the store. Everything that decides a restore or retention (scope, image, created) is
/// read from the digested blob.
/// </summary>
public sealed record CacheEntry
{
    /// <summary>The scope the entry belongs to.</summary>
    public required CacheScope Scope { get; init; }

    /// <summary>When the build that produced the entry finished (stored in UTC).</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>The cache key the entry was saved under.</summary>
    public required Digest Key { get; init; }

    /// <summary>The stage images, in build order.</summary>
    public required IReadOnlyList<StageImage> Stages { get; init; }

    /// <summary>External image reference (as written in the Dockerfile) → the engine's image id (config digest).</summary>
    public IReadOnlyDictionary<string, Digest> BaseImages { get; init; } = new Dictionary<string, Digest>();

    /// <summary>
    /// External image reference → its registry manifest digest, where it was known (the second identity
    /// of a base image; see <see cref="GetBaseImage"/>). Empty in entries of format 1.
    /// </summary>
    public IReadOnlyDictionary<string, Digest> BaseImageManifests { get; init; } = new Dictionary<string, Digest>();

    /// <summary>Digest of the Dockerfile, when known.</summary>
    public Digest? DockerfileDigest { get; init; }

    /// <summary>Digest of the build arguments, when known.</summary>
    public Digest? BuildArgsDigest { get; init; }

    /// <summary>Key file path → digest of its content.</summary>
    public IReadOnlyDictionary<string, Digest> KeyFiles { get; init; } = new Dictionary<string, Digest>();

    /// <summary>The builder that produced the entry, free-form: <c>classic</c> or <c>buildkit</c>.</summary>
    public string? Builder { get; init; }

    /// <summary>The build target stage, when one was given.</summary>
    public string? Target { get; init; }

    /// <summary>
    /// Which image of the repository the entry caches (Dockerfile, target, platform); with
    /// <see cref="Scope"/> the entry's identity. Read from the entry blob, never from <c>index.json</c>.
    /// </summary>
    public ImageIdentity Image { get; init; } = ImageIdentity.Default;

    /// <summary>
    /// How long each step took when it last ran (key: stage name, a space, the instruction), so a
    /// later build that finds the step cached can report the seconds it saved.
    /// </summary>
    public IReadOnlyDictionary<string, double> StepSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// The digest of everything the build read (cache key inputs, docker flags, the build context as the
    /// builder sees it), when the build could be repeated from it; null when something the digest cannot
    /// see took part (a secret, another output). An equal digest later means the build would make
    /// <see cref="InputsTarget"/>'s image again, so it is loaded instead of built.
    /// </summary>
    public Digest? InputsDigest { get; init; }

    /// <summary>The name of the stage image in <see cref="Stages"/> that is the target's image <see cref="InputsDigest"/> stands for.</summary>
    public string? InputsTarget { get; init; }

    /// <summary>The digest of the entry's index blob; empty until the entry is stored.</summary>
    public Digest Id { get; init; }

    /// <summary>The entry's <c>org.opencontainers.image.ref.name</c> in <c>index.json</c>; null until stored.</summary>
    public string? RefName { get; init; }

    /// <summary>
    /// When the entry was last restored (kept in <c>index.json</c>, so untrusted: retention clamps it,
    /// see <see cref="EntryDates"/>, and no restore decision depends on it); <see cref="Created"/> when never.
    /// </summary>
    public DateTimeOffset LastUsed { get; init; }

    /// <summary>The entry's signature from <c>index.json</c> (see <see cref="EntrySigner"/>); null when unsigned.</summary>
    public string? Signature { get; init; }

    /// <summary>Both recorded identities of the base image <paramref name="reference"/> (either may be null).</summary>
    public BaseImageIdentity GetBaseImage(string reference) =>
        new(BaseImages.TryGetValue(reference, out var id) ? id : null, BaseImageManifests.TryGetValue(reference, out var manifest) ? manifest : null);

    /// <summary>The stage with this name, or null.</summary>
    public StageImage? FindStage(string name) => Stages.FirstOrDefault(s => s.Name == name);
}
