using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// A cache store: blobs (<see cref="Blobs"/>), tags (<see cref="References"/>) and the cache entries
/// written once over them. Entries are immutable once put. These are the capabilities every store
/// has; the optional ones are interfaces the same object may implement, listed by
/// <see cref="Capabilities"/>: <see cref="IPrunableCacheStore"/> (retention and GC),
/// <see cref="IVerifiableCacheStore"/>, <see cref="IEntryUsageRecorder"/> (last-used times) and
/// <see cref="IEntrySignatureStore"/>. Opened once per run from a <c>StoreLocation</c> by Core's
/// store factory. Safe for several processes at once.
/// </summary>
public interface ICacheStore
{
    /// <summary>Where the store is, as the user wrote it (<c>dir:PATH</c>, <c>registry://HOST/REPO</c>), for messages.</summary>
    string Location { get; }

    /// <summary>The blobs (layers, configs, manifests, entry indexes).</summary>
    IBlobStore Blobs { get; }

    /// <summary>The tags (name → descriptor) the entries are written over.</summary>
    IReferenceStore References { get; }

    /// <summary>How this store keeps blobs: layer compression, and whether a corrupt blob may be deleted.</summary>
    BlobPolicy Policy { get; }

    /// <summary>The optional capabilities this store has (see <see cref="StoreCapabilityExtensions.Discover"/>).</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>
    /// Starts a write session: until it is disposed, a prune in any process waits rather than collect
    /// blobs that this writer has written but not yet published with <see cref="PutEntryAsync"/>.
    /// Hold one from the first blob written to the end of <see cref="PutEntryAsync"/>.
    /// </summary>
    /// <exception cref="StoreException">The store is busy (a prune held it past the lock timeout; <see cref="StoreErrorKind.Transient"/>).</exception>
    Task<IStoreWriteSession> BeginWriteAsync(CancellationToken cancellationToken);

    /// <summary>Every readable entry, newest first (by <see cref="CacheEntry.Created"/>). Broken entries are skipped (verify reports them).</summary>
    Task<IReadOnlyList<CacheEntry>> ListEntriesAsync(CancellationToken cancellationToken);

    /// <summary>The readable entries of one scope (as their own blobs state it, whatever a tag or index says), newest first.</summary>
    Task<IReadOnlyList<CacheEntry>> FindEntriesAsync(CacheScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes an entry: checks that every stage manifest and the blobs it references are present,
    /// fills in the stage details (sizes, config, platform, <see cref="StageImage.Layers"/>), writes the
    /// entry index and tags it. Putting the same entry again is harmless. Returns the entry as stored,
    /// with its id and ref name.
    /// </summary>
    /// <exception cref="BlobNotFoundException">A stage manifest, config or layer is not in the store.</exception>
    Task<CacheEntry> PutEntryAsync(CacheEntry entry, CancellationToken cancellationToken);

    /// <summary>The total size of the unique blobs the given entries reference (shared layers counted once).</summary>
    Task<long> GetSizeAsync(IEnumerable<CacheEntry> entries, CancellationToken cancellationToken);
}
