using LayerCache.Oci;

namespace LayerCache.Core.Keys;

/// <summary>
/// Everything that decides whether a cache entry can hit: the Dockerfile, the target, the build
/// arguments (by digest: values may be secrets), key files (lockfiles) and the digest of every
/// base image as the engine has it now, so a new upstream base busts the key (seed 001), and the
/// platform asked for (<c>--platform</c>; null for the engine's own): the same Dockerfile builds
/// other layers for another platform. <paramref name="BaseManifests"/> holds the base images' manifest
/// digests where they were asked from the registry (the other identity of a base image: the engine's
/// image id and the registry's manifest digest differ; a key says which one it was computed from).
/// </summary>
public sealed record CacheKeyInputs(
    Digest Dockerfile,
    string Target,
    string Builder,
    IReadOnlyDictionary<string, Digest> BuildArgs,
    IReadOnlyDictionary<string, Digest> KeyFiles,
    IReadOnlyDictionary<string, Digest?> BaseImages,
    string? Platform = null,
    IReadOnlyDictionary<string, Digest?>? BaseManifests = null);
