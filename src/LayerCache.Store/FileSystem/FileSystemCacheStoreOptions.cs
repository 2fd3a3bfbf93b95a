namespace LayerCache.Store;

/// <summary>Tuning of a <see cref="FileSystemCacheStore"/>; the defaults suit CI.</summary>
public sealed record FileSystemCacheStoreOptions
{
    /// <summary>
    /// How long to wait for a lock file held by another process before giving up with
    /// <see cref="StoreLockTimeoutException"/> (a warning and a cold build). 30 s: the index lock is
    /// held for milliseconds, a prune holds the GC lock for seconds (it reads documents, never layers);
    /// a holder longer than that is stuck or a long save, and a CI build must not wait on it.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Temporary files older than this are debris of a killed process and deleted by a prune.</summary>
    public TimeSpan StaleTempAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// For a writer (a save): a store that cannot be used — <c>index.json</c> or <c>oci-layout</c>
    /// unreadable or of an unknown version, links or special files where the layout has directories
    /// and files — is rebuilt instead of refused (what is damaged is removed, inside the store only;
    /// blobs stay until a prune), and, when no other process is writing, blobs nothing references
    /// and stale temp files (left by a save that failed, e.g. on a full disk) are collected, so one
    /// bad run does not make every later save fail the same way. See <see cref="FileSystemCacheStore.RebuiltBecause"/>.
    /// </summary>
    public bool Heal { get; init; }

    /// <summary>
    /// How the store keeps blobs: <see cref="BlobPolicy.Directory"/> (uncompressed layers) unless
    /// <see cref="AmbientPolicyForTests"/> says otherwise. Internal, for tests only: a directory store
    /// that keeps gzip layers as a registry does exercises the restore of compressed layers against a
    /// real engine without a registry. Not a user-facing option: measured, uncompressed is the
    /// directory's better policy (see <see cref="BlobPolicy"/>).
    /// </summary>
    internal BlobPolicy Policy { get; init; } = AmbientPolicyForTests.Value ?? BlobPolicy.Directory;

    /// <summary>
    /// Test seam: the <see cref="Policy"/> of directory stores opened in this async flow (an in-process
    /// CLI run of an end-to-end test), so a test changes no other test's stores. Never set in production.
    /// </summary>
    internal static AsyncLocal<BlobPolicy?> AmbientPolicyForTests { get; } = new();
}
