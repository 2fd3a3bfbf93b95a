namespace LayerCache.Store;

/// <summary>
/// The on-disk format of a filesystem cache store, in one place. The store directory is an OCI Image
/// Layout (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/HEX</c>), so skopeo, umoci and
/// BuildKit can read it. Besides those it holds only files readers ignore: <c>SUMMARY</c>, the lock
/// files <c>.layercache.lock</c> (index updates) and <c>.layercache.gc.lock</c> (writers vs. prune),
/// and <c>.tmp/</c> (partial blobs and index files, collected by prune when stale).
/// <para>
/// An <b>entry</b> (one successful build's cache for one scope) is an OCI image index blob whose
/// <c>manifests</c> are the stage image manifests, each annotated with <see cref="Stage"/>,
/// <see cref="ImageId"/> and <see cref="Size"/> and carrying the image's platform, and whose
/// annotations are the entry metadata: <see cref="Format"/>, <see cref="Scope"/>, <see cref="Created"/>,
/// <see cref="Key"/>, <see cref="BaseImages"/>, <see cref="Dockerfile"/>, <see cref="BuildArgs"/>,
/// <see cref="KeyFiles"/>, <see cref="Builder"/>, <see cref="Target"/> and the image identity
/// (<see cref="ImageDockerfile"/>, <see cref="ImageTarget"/>, <see cref="ImagePlatform"/>). The blob is
/// immutable and content-addressed; its digest is the entry id, and only what it says decides a
/// restore or retention.
/// </para>
/// <para>
/// <c>index.json</c> lists every entry index with <see cref="Kind"/> = <see cref="KindEntry"/>,
/// <c>org.opencontainers.image.ref.name</c> = <c>SCOPE_REF.yyyyMMddTHHmmssZ</c> (scope with <c>/</c> as
/// <c>_</c>, then the creation time; a short digest suffix is added when two entries would share a
/// name), <see cref="Scope"/>, <see cref="Created"/> (hints only: the entry blob is authoritative), the
/// mutable <see cref="LastUsed"/> and, when signing is on, <see cref="Signature"/>. For the
/// newest entry of each scope it also lists each stage manifest directly, with <see cref="Kind"/> =
/// <see cref="KindStage"/>, <see cref="Entry"/>, <see cref="Scope"/>, <see cref="Stage"/> and ref name
/// <c>SCOPE_REF.STAGE</c> (only for stage names that are valid ref components), so that
/// <c>skopeo inspect oci:.layercache:myproject_main.runtime</c> shows the latest image of a stage.
/// Those stage aliases are derived and rewritten on every change; descriptors without
/// <see cref="Kind"/> (added by other tools) are preserved and their content is never collected.
/// </para>
/// </summary>
public static class StoreAnnotations
{
    /// <summary>Prefix of every annotation this store writes.</summary>
    public const string Prefix = "dev.layercache.";

    /// <summary>The entry format version (entry index); currently <see cref="CurrentFormat"/>.</summary>
    public const string Format = Prefix + "format";

    /// <summary>
    /// The value of <see cref="Format"/> this version writes: <c>2</c> adds the stage layer index
    /// (<see cref="Layers"/>) and base image manifest digests (<see cref="BaseManifests"/>). Version
    /// <see cref="PreviousFormat"/> entries are still read (their base images are engine image ids, their
    /// layers uncompressed); an older layercache skips a version 2 entry as one it does not read.
    /// </summary>
    public const string CurrentFormat = "2";

    /// <summary>The previous entry format, still read.</summary>
    public const string PreviousFormat = "1";

    /// <summary>
    /// On a stage manifest descriptor (format 2): JSON array, one <c>[diffId, storedDigest, size, mediaType]</c>
    /// per layer in order, <c>storedDigest</c> empty when it equals the DiffId (uncompressed). See <see cref="LayerRecord"/>.
    /// </summary>
    public const string Layers = Prefix + "layers";

    /// <summary>
    /// On a compressed layer's descriptor: the size of the uncompressed tar (decimal), the size the engine
    /// exports it with, so a save recognizes a layer the store has without compressing it again. On an
    /// entry's stage descriptor: a JSON array of them, one per layer (empty where unknown). Untrusted: a
    /// wrong value only costs a second export.
    /// </summary>
    public const string LayerTarSize = Prefix + "layer.tar-size";

    /// <summary>Entry index (format 2): JSON object, external image reference → registry manifest digest (see <see cref="BaseImageIdentity"/>).</summary>
    public const string BaseManifests = Prefix + "base-manifests";

    /// <summary>In <c>index.json</c>: what a descriptor is, <see cref="KindEntry"/> or <see cref="KindStage"/>.</summary>
    public const string Kind = Prefix + "kind";

    /// <summary>Value of <see cref="Kind"/> for an entry index.</summary>
    public const string KindEntry = "entry";

    /// <summary>Value of <see cref="Kind"/> for a stage alias (latest stage image of a scope).</summary>
    public const string KindStage = "stage";

    /// <summary>The entry's scope (entry index and <c>index.json</c>).</summary>
    public const string Scope = Prefix + "scope";

    /// <summary>When the entry was created, RFC 3339 UTC (entry index and <c>index.json</c>).</summary>
    public const string Created = Prefix + "created";

    /// <summary>In <c>index.json</c> only: when the entry was last restored, RFC 3339 UTC (mutable).</summary>
    public const string LastUsed = Prefix + "last-used";

    /// <summary>The cache key digest the entry was saved under.</summary>
    public const string Key = Prefix + "key";

    /// <summary>JSON object: external image reference → the engine's image id (format 1: resolved image id or digest).</summary>
    public const string BaseImages = Prefix + "base-images";

    /// <summary>Digest of the Dockerfile.</summary>
    public const string Dockerfile = Prefix + "dockerfile";

    /// <summary>Digest of the build arguments.</summary>
    public const string BuildArgs = Prefix + "build-args";

    /// <summary>JSON object: key file path → digest of its content.</summary>
    public const string KeyFiles = Prefix + "key-files";

    /// <summary>The builder that produced the entry: <c>classic</c> or <c>buildkit</c>.</summary>
    public const string Builder = Prefix + "builder";

    /// <summary>The build target stage, when one was given.</summary>
    public const string Target = Prefix + "target";

    /// <summary>Entry index: the Dockerfile path relative to the build context (<see cref="ImageIdentity"/>); absent in old entries (<c>Dockerfile</c>).</summary>
    public const string ImageDockerfile = Prefix + "image.dockerfile";

    /// <summary>Entry index: the <c>--target</c> as given; absent for the last stage.</summary>
    public const string ImageTarget = Prefix + "image.target";

    /// <summary>Entry index: the <c>--platform</c> as given; absent for the engine's default.</summary>
    public const string ImagePlatform = Prefix + "image.platform";

    /// <summary>
    /// An entry's <see cref="EntrySigner"/> signature (bound to the entry digest): in <c>index.json</c> on
    /// the entry (directory store), or on the signature manifest whose subject is the entry (registry store).
    /// </summary>
    public const string Signature = Prefix + "signature";

    /// <summary>The artifact type of a registry store's signature manifest (its subject is the signed entry).</summary>
    public const string SignatureArtifactType = "application/vnd.layercache.entry.signature.v1";

    /// <summary>The artifact type of a registry store's last-used record (its subject is the entry, its <see cref="LastUsed"/> annotation the time).</summary>
    public const string UsageArtifactType = "application/vnd.layercache.entry.usage.v1";

    /// <summary>Entry index annotation: the digest of the build's inputs (key inputs, docker flags, build context), when recorded.</summary>
    public const string Inputs = Prefix + "inputs";

    /// <summary>Entry index annotation: the stage whose image <see cref="Inputs"/> stands for (the target's).</summary>
    public const string InputsTarget = Prefix + "inputs.target";

    /// <summary>Entry index annotation: JSON object "stage instruction" → seconds the step took when it last ran.</summary>
    public const string StepSeconds = Prefix + "step-seconds";

    /// <summary>In <c>index.json</c>, on a stage alias: the id (index digest) of the entry it was taken from.</summary>
    public const string Entry = Prefix + "entry";

    /// <summary>On a stage manifest descriptor: the stage name.</summary>
    public const string Stage = Prefix + "stage";

    /// <summary>On a stage manifest descriptor: the image config digest, i.e. the Docker image id.</summary>
    public const string ImageId = Prefix + "image-id";

    /// <summary>On a stage manifest descriptor: total bytes of manifest, config and layers.</summary>
    public const string Size = Prefix + "size";
}
