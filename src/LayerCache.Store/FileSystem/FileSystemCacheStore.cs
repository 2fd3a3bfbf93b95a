using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// A cache store in a local directory (default <c>.layercache/</c>) that is a valid OCI Image Layout;
/// the file format is described on <see cref="StoreAnnotations"/>. Several processes may use one
/// directory at once: <c>index.json</c> is read-modify-written under the exclusive lock file
/// <see cref="IndexLockFileName"/> and replaced by rename; writers hold a shared lock on
/// <see cref="GcLockFileName"/> that a prune takes exclusively. Readers take no lock. A process killed at
/// any point leaves only unreferenced blobs or temp files in <see cref="TempDirectoryName"/>, which a
/// prune collects.
/// The directory is untrusted input (a CI cache restores it): a store holding links, FIFOs or devices
/// where its layout has directories and files is refused as damaged (<see cref="StoreCorruptException"/>)
/// and never followed out of; documents are read bounded; a writer's open
/// (<see cref="FileSystemCacheStoreOptions.Heal"/>) rebuilds what it cannot use. The parts: entries
/// (<see cref="EntryReader"/>), <c>index.json</c> (<see cref="StoreIndexFile"/>), retention
/// (<see cref="RetentionPass"/>), GC (<see cref="GarbageCollector"/>), verify (<see cref="StoreVerifier"/>)
/// and repair (<see cref="StoreRebuilder"/>).
/// </summary>
public sealed class FileSystemCacheStore : IPrunableCacheStore, IVerifiableCacheStore, IEntryUsageRecorder, IEntrySignatureStore
{
    /// <summary>The directory used when none is given.</summary>
    public const string DefaultDirectory = ".layercache";

    /// <summary>The summary file, meant for CI cache keys (see <see cref="SummaryFilePath"/>).</summary>
    public const string SummaryFileName = "SUMMARY";

    /// <summary>Lock file serializing <c>index.json</c> updates.</summary>
    public const string IndexLockFileName = ".layercache.lock";

    /// <summary>Lock file shared by writers and taken exclusively by a prune.</summary>
    public const string GcLockFileName = ".layercache.gc.lock";

    /// <summary>Directory of partial files (the layout's), ignored by readers and by OCI tools.</summary>
    public const string TempDirectoryName = OciLayout.TempDirectoryName;

    private readonly FileSystemBlobStore _blobs;
    private readonly FileSystemCacheStoreOptions _options;
    private readonly EntryReader _entries;
    private readonly StoreIndexFile _index;
    private readonly IndexReferences _references;

    private FileSystemCacheStore(string directory, FileSystemBlobStore blobs, FileSystemCacheStoreOptions options)
    {
        DirectoryPath = directory;
        _blobs = blobs;
        _options = options;
        _entries = new EntryReader(blobs, blobs.GetBlobPath);
        _index = new StoreIndexFile(blobs, _entries, Path.Combine(directory, IndexLockFileName), SummaryFilePath, options.LockTimeout);
        _references = new IndexReferences(blobs, _index);
    }

    /// <summary>The store directory (full path).</summary>
    public string DirectoryPath { get; }

    /// <summary>
    /// <c>SUMMARY</c>: one line per entry (scope, ref name, entry digest, last-used date), sorted. Its
    /// checksum changes when an entry is added or removed, and at most once a day when an entry is
    /// used. CircleCI's <c>save_cache</c> never overwrites an existing key, so a key like
    /// <c>layers-{{ checksum ".layercache/SUMMARY" }}</c> must change exactly when the store has new
    /// content worth saving; and last-used must be persisted at least daily for <c>--keep 7d</c> to be
    /// honest, which the date (not the time) achieves without re-uploading on every build.
    /// </summary>
    public string SummaryFilePath => Path.Combine(DirectoryPath, SummaryFileName);

    /// <summary>The store's <c>index.json</c>.</summary>
    public string IndexFilePath => _blobs.Layout.IndexPath;

    /// <inheritdoc/>
    public IBlobStore Blobs => _blobs;

    /// <inheritdoc/>
    public IReferenceStore References => _references;

    /// <inheritdoc/>
    public string Location => "dir:" + DirectoryPath;

    /// <inheritdoc/>
    public BlobPolicy Policy => _options.Policy;

    /// <inheritdoc/>
    public StoreCapabilities Capabilities => this.Discover();

    private string GcLockPath => Path.Combine(DirectoryPath, GcLockFileName);

    /// <summary>Opens the store in <paramref name="directory"/>, creating an empty layout when it is missing.</summary>
    /// <exception cref="StoreCorruptException"><c>oci-layout</c> or <c>index.json</c> is unreadable; the message names the file.</exception>
    public static Task<FileSystemCacheStore> OpenAsync(string directory, CancellationToken cancellationToken) =>
        OpenAsync(directory, new FileSystemCacheStoreOptions(), cancellationToken);

    /// <summary>Opens the store with explicit options.</summary>
    /// <exception cref="StoreCorruptException">
    /// <c>oci-layout</c> or <c>index.json</c> is unreadable, or the store holds links or special files
    /// (it is damaged; it is never followed out of); the message names the file. With
    /// <see cref="FileSystemCacheStoreOptions.Heal"/> the store is rebuilt instead.
    /// </exception>
    /// <exception cref="StoreLockTimeoutException">Another process held the store's lock for <see cref="FileSystemCacheStoreOptions.LockTimeout"/>.</exception>
    public static async Task<FileSystemCacheStore> OpenAsync(string directory, FileSystemCacheStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        var full = Path.GetFullPath(directory);
        Directory.CreateDirectory(full);
        FileSystemCacheStore store;
        try
        {
            store = await OpenLayoutAsync(full, options, cancellationToken);
        }
        catch (StoreCorruptException damage) when (options.Heal)
        {
            await StoreRebuilder.RebuildAsync(full, options.LockTimeout, cancellationToken);
            store = await OpenLayoutAsync(full, options, cancellationToken);
            store.RebuiltBecause = damage.Message;
        }

        if (options.Heal)
        {
            await store.CollectIfIdleAsync(cancellationToken);
        }

        return store;
    }

    /// <summary>Why the store was rebuilt when it was opened (<see cref="FileSystemCacheStoreOptions.Heal"/>), or null when it was usable.</summary>
    public string? RebuiltBecause { get; private set; }

    /// <inheritdoc/>
    public async Task<IStoreWriteSession> BeginWriteAsync(CancellationToken cancellationToken) =>
        new FileLockWriteSession(this, await FileLock.AcquireAsync(GcLockPath, exclusive: false, _options.LockTimeout, cancellationToken));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<CacheEntry>> ListEntriesAsync(CancellationToken cancellationToken)
    {
        var index = await _index.ReadAsync(cancellationToken);
        return await _entries.LoadAllAsync(IndexEditor.Entries(index), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<CacheEntry>> FindEntriesAsync(CacheScope scope, CancellationToken cancellationToken)
    {
        var index = await _index.ReadAsync(cancellationToken);

        // index.json is a hint; the entry blob decides (a lie in index.json can only hide an entry).
        var entries = await _entries.LoadAllAsync(IndexEditor.Entries(index).Where(e => e.Scope == scope), cancellationToken);
        return [.. entries.Where(e => e.Scope == scope)];
    }

    /// <inheritdoc/>
    public async Task<CacheEntry> PutEntryAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        EntryRules.Validate(entry);

        // Shared with other writers, exclusive of prune: the blobs checked below stay until published.
        await using var writer = await FileLock.AcquireAsync(GcLockPath, exclusive: false, _options.LockTimeout, cancellationToken);
        var stages = new List<StageImage>(entry.Stages.Count);
        foreach (var stage in entry.Stages)
        {
            stages.Add(await _entries.FillStageAsync(stage, cancellationToken));
        }

        var created = entry.Created.ToUniversalTime();
        var normalized = entry with { Stages = stages, Created = created, LastUsed = created, Id = default, RefName = null };
        var document = OciJson.SerializeWithDigest(EntryCodec.ToIndex(normalized));
        using (var content = new MemoryStream(document.Content.ToArray(), writable: false))
        {
            await _blobs.WriteAsync(content, document.Digest, document.Size, cancellationToken);
        }

        CacheEntry? stored = null;
        await _index.UpdateAsync(
            index =>
            {
                if (IndexEditor.Entries(index).FirstOrDefault(e => e.Id == document.Digest) is { } existing)
                {
                    stored = normalized with { Id = existing.Id, RefName = existing.RefName, LastUsed = existing.LastUsed, Signature = existing.Signature };
                    return null;
                }

                stored = normalized with { Id = document.Digest, RefName = IndexEditor.NewRefName(index, normalized.Scope, created, document.Digest) };
                return index with { Manifests = [.. index.Manifests, IndexEditor.EntryDescriptor(stored, document.Size)] };
            },
            cancellationToken);
        return stored!;
    }

    /// <inheritdoc/>
    public async Task<bool> MarkUsedAsync(Digest entryId, DateTimeOffset usedAt, CancellationToken cancellationToken)
    {
        var found = false;
        await _index.UpdateAsync(index => IndexEditor.MarkUsed(index, entryId, usedAt, out found), cancellationToken);
        return found;
    }

    /// <inheritdoc/>
    public async Task<bool> SignEntryAsync(Digest entryId, string signature, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(signature);
        var found = false;
        await _index.UpdateAsync(index => IndexEditor.Sign(index, entryId, signature, out found), cancellationToken);
        return found;
    }

    /// <inheritdoc/>
    public async Task<PruneReport> PruneAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);

        // Exclusive: no writer is between writing blobs and publishing its entry while we collect.
        await using var gc = await FileLock.AcquireAsync(GcLockPath, exclusive: true, _options.LockTimeout, cancellationToken);
        CheckTree();
        var graph = new ContentGraph(_blobs);
        var retention = new RetentionPass(_entries, graph, policy, now);
        await _index.UpdateAsync(index => retention.ApplyAsync(index, cancellationToken), cancellationToken);

        var collector = new GarbageCollector(_blobs, graph);
        await collector.CollectAsync(await _index.ReadAsync(cancellationToken), cancellationToken);
        var tempFilesRemoved = _blobs.Layout.RemoveStaleTempFiles(_options.StaleTempAge);
        return new PruneReport
        {
            EntriesRemoved = retention.Removed,
            BrokenEntriesRemoved = retention.Broken,
            EntriesKept = retention.Kept,
            BlobsRemoved = collector.BlobsRemoved,
            BytesFreed = collector.BytesFreed,
            TempFilesRemoved = tempFilesRemoved,
            BytesKept = collector.BytesKept,
        };
    }

    /// <inheritdoc/>
    public async Task<VerifyReport> VerifyAsync(CancellationToken cancellationToken)
    {
        // Shared like a writer: a concurrent prune must not make blobs vanish mid-check.
        await using var reading = await FileLock.AcquireAsync(GcLockPath, exclusive: false, _options.LockTimeout, cancellationToken);
        return await new StoreVerifier(_blobs).VerifyAsync(await _index.ReadAsync(cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Collects unreferenced blobs and stale temp files when no other process is writing or
    /// pruning (the GC lock is free now); does nothing otherwise.
    /// </summary>
    private async Task CollectIfIdleAsync(CancellationToken cancellationToken)
    {
        FileLock gc;
        try
        {
            gc = await FileLock.AcquireAsync(GcLockPath, exclusive: true, TimeSpan.Zero, cancellationToken);
        }
        catch (StoreLockTimeoutException)
        {
            return;
        }

        await using (gc)
        {
            await new GarbageCollector(_blobs, new ContentGraph(_blobs)).CollectAsync(await _index.ReadAsync(cancellationToken), cancellationToken);
            _blobs.Layout.RemoveStaleTempFiles(_options.StaleTempAge);
        }
    }

    /// <inheritdoc/>
    public async Task<long> GetSizeAsync(IEnumerable<CacheEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return await Retention.SizeOfAsync(entries, new ContentGraph(_blobs), cancellationToken);
    }

    private static async Task<FileSystemCacheStore> OpenLayoutAsync(string full, FileSystemCacheStoreOptions options, CancellationToken cancellationToken)
    {
        // Creation is racy between processes; the index lock makes exactly one of them write the files.
        await using (await FileLock.AcquireAsync(Path.Combine(full, IndexLockFileName), exclusive: true, options.LockTimeout, cancellationToken))
        {
            OciLayout layout;
            try
            {
                layout = await OciLayout.OpenOrCreateAsync(full, cancellationToken);
            }
            catch (OciFormatException e)
            {
                throw new StoreCorruptException(Path.Combine(full, OciLayout.LayoutFileName), e.Message, e);
            }
            catch (UnsafeFileException e)
            {
                throw new StoreCorruptException(e.Path ?? full, $"the cache store is damaged: {e.Message}", e);
            }

            var store = new FileSystemCacheStore(full, new FileSystemBlobStore(layout), options);
            store.CheckTree();

            // Also repairs a SUMMARY that a process killed between index.json and SUMMARY left stale.
            await store._index.WriteSummaryAsync(await store._index.ReadAsync(cancellationToken), cancellationToken);
            return store;
        }
    }

    /// <summary>Refuses a store whose layout or own files are links or special files: it is damaged, and nothing is collected through it.</summary>
    private void CheckTree()
    {
        try
        {
            _blobs.Layout.CheckTree();
            foreach (var name in (string[])[IndexLockFileName, GcLockFileName, SummaryFileName])
            {
                UntrustedFile.RequireFileOrMissing(Path.Combine(DirectoryPath, name));
            }
        }
        catch (UnsafeFileException e)
        {
            throw new StoreCorruptException(e.Path ?? DirectoryPath, $"the cache store is damaged: {e.Message}", e);
        }
    }

}
