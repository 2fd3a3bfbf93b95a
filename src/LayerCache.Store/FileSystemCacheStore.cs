using System.Text;
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
/// </summary>
public sealed class FileSystemCacheStore : ICacheStore
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

    private FileSystemCacheStore(string directory, FileSystemBlobStore blobs, FileSystemCacheStoreOptions options)
    {
        DirectoryPath = directory;
        _blobs = blobs;
        _options = options;
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

    private string TempDirectory => _blobs.TempDirectory;

    private string IndexLockPath => Path.Combine(DirectoryPath, IndexLockFileName);

    private string GcLockPath => Path.Combine(DirectoryPath, GcLockFileName);

    /// <summary>Opens the store in <paramref name="directory"/>, creating an empty layout when it is missing.</summary>
    /// <exception cref="StoreCorruptException"><c>oci-layout</c> or <c>index.json</c> is unreadable; the message names the file.</exception>
    public static Task<FileSystemCacheStore> OpenAsync(string directory, CancellationToken cancellationToken) =>
        OpenAsync(directory, new FileSystemCacheStoreOptions(), cancellationToken);

    /// <summary>Opens the store with explicit options.</summary>
    /// <exception cref="StoreCorruptException"><c>oci-layout</c> or <c>index.json</c> is unreadable; the message names the file.</exception>
    public static async Task<FileSystemCacheStore> OpenAsync(string directory, FileSystemCacheStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        var full = Path.GetFullPath(directory);
        Directory.CreateDirectory(full);

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

            var store = new FileSystemCacheStore(full, new FileSystemBlobStore(layout), options);
            // Also repairs a SUMMARY that a process killed between index.json and SUMMARY left stale.
            await store.WriteSummaryAsync(await store.ReadIndexAsync(cancellationToken), cancellationToken);
            return store;
        }
    }

    /// <inheritdoc/>
    public async Task<IAsyncDisposable> BeginWriteAsync(CancellationToken cancellationToken) =>
        await FileLock.AcquireAsync(GcLockPath, exclusive: false, _options.LockTimeout, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<CacheEntry>> ListEntriesAsync(CancellationToken cancellationToken)
    {
        var index = await ReadIndexAsync(cancellationToken);
        return await LoadEntriesAsync(IndexEditor.Entries(index), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<CacheEntry>> FindEntriesAsync(CacheScope scope, CancellationToken cancellationToken)
    {
        var index = await ReadIndexAsync(cancellationToken);

        // index.json is a hint; the entry blob decides (a lie in index.json can only hide an entry).
        var entries = await LoadEntriesAsync(IndexEditor.Entries(index).Where(e => e.Scope == scope), cancellationToken);
        return [.. entries.Where(e => e.Scope == scope)];
    }

    /// <inheritdoc/>
    public async Task<CacheEntry> PutEntryAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Validate(entry);

        // Shared with other writers, exclusive of prune: the blobs checked below stay until published.
        await using var writer = await FileLock.AcquireAsync(GcLockPath, exclusive: false, _options.LockTimeout, cancellationToken);
        var stages = new List<StageImage>(entry.Stages.Count);
        foreach (var stage in entry.Stages)
        {
            stages.Add(await FillStageAsync(stage, cancellationToken));
        }

        var created = entry.Created.ToUniversalTime();
        var normalized = entry with { Stages = stages, Created = created, LastUsed = created, Id = default, RefName = null };
        var document = OciJson.SerializeWithDigest(EntryCodec.ToIndex(normalized));
        using (var content = new MemoryStream(document.Content.ToArray(), writable: false))
        {
            await _blobs.WriteAsync(content, document.Digest, document.Size, cancellationToken);
        }

        CacheEntry? stored = null;
        await UpdateIndexAsync(
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
        await UpdateIndexAsync(index => IndexEditor.MarkUsed(index, entryId, usedAt, out found), cancellationToken);
        return found;
    }

    /// <inheritdoc/>
    public async Task<bool> SignEntryAsync(Digest entryId, string signature, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(signature);
        var found = false;
        await UpdateIndexAsync(index => IndexEditor.Sign(index, entryId, signature, out found), cancellationToken);
        return found;
    }

    /// <inheritdoc/>
    public async Task<PruneReport> PruneAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);

        // Exclusive: no writer is between writing blobs and publishing its entry while we collect.
        await using var gc = await FileLock.AcquireAsync(GcLockPath, exclusive: true, _options.LockTimeout, cancellationToken);
        var graph = new ContentGraph(_blobs);
        var removed = new List<CacheEntry>();
        var broken = new List<string>();
        var kept = 0;
        await UpdateIndexAsync(
            async index =>
            {
                removed.Clear();
                broken.Clear();
                var indexed = IndexEditor.Entries(index);
                var loaded = new List<(IndexedEntry Indexed, CacheEntry Entry)>();
                var drop = new HashSet<Digest>();
                var present = new Dictionary<Digest, bool>();
                foreach (var item in indexed)
                {
                    var entry = await TryLoadEntryAsync(item, cancellationToken);

                    // An entry that lost a blob (a restore removed it as corrupt, or someone deleted it)
                    // can never be restored again: drop it, or verify would fail on it for ever.
                    if (entry is null || !await IsCompleteAsync(item.Descriptor, graph, present, cancellationToken))
                    {
                        broken.Add(item.RefName);
                        drop.Add(item.Id);
                    }
                    else
                    {
                        loaded.Add((item, entry));
                    }
                }

                // Entry descriptors whose annotations do not even parse are as unusable as broken blobs.
                foreach (var descriptor in index.Manifests.Where(d => IndexEditor.IsEntry(d) && indexed.All(e => !ReferenceEquals(e.Descriptor, d))))
                {
                    broken.Add(descriptor.GetAnnotation(AnnotationKeys.RefName) ?? descriptor.Digest.Value);
                    drop.Add(descriptor.Digest);
                }

                var survivors = await Retention.ApplyAsync(policy, now, loaded.Select(l => l.Entry).ToList(), graph, cancellationToken);
                foreach (var (_, entry) in loaded)
                {
                    if (!survivors.Contains(entry.Id))
                    {
                        removed.Add(entry);
                        drop.Add(entry.Id);
                    }
                }

                kept = loaded.Count - removed.Count;
                removed.Sort((a, b) => IndexEditor.CompareNewestFirst(a.Created, a.Id, b.Created, b.Id));
                return drop.Count == 0
                    ? null
                    : index with { Manifests = [.. index.Manifests.Where(d => !(IndexEditor.IsEntry(d) && drop.Contains(d.Digest)))] };
            },
            cancellationToken);

        // Everything index.json still reaches stays, including content other tools tagged in the layout.
        var reachable = new HashSet<Digest>();
        foreach (var root in (await ReadIndexAsync(cancellationToken)).Manifests)
        {
            reachable.UnionWith((await graph.ClosureAsync(root, cancellationToken)).Keys);
        }

        var blobsRemoved = 0;
        long bytesFreed = 0;
        long bytesKept = 0;
        await foreach (var blob in _blobs.ListAsync(cancellationToken))
        {
            if (reachable.Contains(blob.Digest))
            {
                bytesKept += blob.Size;
            }
            else if (await _blobs.DeleteAsync(blob.Digest, cancellationToken))
            {
                blobsRemoved++;
                bytesFreed += blob.Size;
            }
        }

        var tempFilesRemoved = SweepTempFiles();
        return new PruneReport
        {
            EntriesRemoved = removed,
            BrokenEntriesRemoved = broken,
            EntriesKept = kept,
            BlobsRemoved = blobsRemoved,
            BytesFreed = bytesFreed,
            TempFilesRemoved = tempFilesRemoved,
            BytesKept = bytesKept,
        };
    }

    /// <inheritdoc/>
    public async Task<VerifyReport> VerifyAsync(CancellationToken cancellationToken)
    {
        // Shared like a writer: a concurrent prune must not make blobs vanish mid-check.
        await using var reading = await FileLock.AcquireAsync(GcLockPath, exclusive: false, _options.LockTimeout, cancellationToken);
        var index = await ReadIndexAsync(cancellationToken);
        var graph = new ContentGraph(_blobs);
        var referencedBy = new Dictionary<Digest, SortedSet<string>>();
        var brokenEntries = new SortedSet<string>(StringComparer.Ordinal);
        var closures = new List<(string Root, Dictionary<Digest, Descriptor> Closure)>();
        foreach (var root in index.Manifests)
        {
            var name = root.GetAnnotation(AnnotationKeys.RefName) ?? root.Digest.Value;
            if (IndexEditor.IsEntry(root) && !IndexedEntry.TryCreate(root, out _))
            {
                brokenEntries.Add(name);
            }

            var closure = await graph.ClosureAsync(root, cancellationToken);
            closures.Add((name, closure));
            foreach (var digest in closure.Keys)
            {
                if (!referencedBy.TryGetValue(digest, out var names))
                {
                    referencedBy[digest] = names = new SortedSet<string>(StringComparer.Ordinal);
                }

                names.Add(name);
            }
        }

        var problems = new Dictionary<Digest, (BlobProblemKind Kind, string Detail)>(graph.Problems);
        var present = new HashSet<Digest>();
        var unreferenced = 0;
        var blobsChecked = 0;
        long bytesChecked = 0;
        var buffer = new byte[1 << 16];
        await foreach (var blob in _blobs.ListAsync(cancellationToken))
        {
            present.Add(blob.Digest);
            unreferenced += referencedBy.ContainsKey(blob.Digest) ? 0 : 1;
            blobsChecked++;
            bytesChecked += blob.Size;
            try
            {
                await using var stream = await _blobs.OpenReadAsync(blob.Digest, cancellationToken);
                while (await stream.ReadAsync(buffer, cancellationToken) > 0)
                {
                }
            }
            catch (ContentVerificationException e)
            {
                problems[blob.Digest] = (BlobProblemKind.Corrupt, e.Message);
            }
            catch (BlobNotFoundException)
            {
                // Deleted between listing and reading by a tool outside our locks; the reference check below reports it if it matters.
                present.Remove(blob.Digest);
            }
        }

        foreach (var digest in referencedBy.Keys)
        {
            if (!present.Contains(digest))
            {
                problems[digest] = (BlobProblemKind.Missing, $"{_blobs.GetBlobPath(digest)}: blob {digest} not found");
            }
        }

        var list = problems
            .OrderBy(p => p.Key)
            .Select(p => new BlobProblem(p.Key, p.Value.Kind, p.Value.Detail, referencedBy.TryGetValue(p.Key, out var names) ? [.. names] : []))
            .ToList();
        foreach (var (root, closure) in closures)
        {
            if (closure.Keys.Any(problems.ContainsKey))
            {
                brokenEntries.Add(root);
            }
        }

        return new VerifyReport
        {
            BlobsChecked = blobsChecked,
            BytesChecked = bytesChecked,
            EntriesChecked = index.Manifests.Count(IndexEditor.IsEntry),
            Problems = list,
            BrokenEntries = [.. brokenEntries],
            UnreferencedBlobs = unreferenced,
        };
    }

    /// <inheritdoc/>
    public async Task<long> GetSizeAsync(IEnumerable<CacheEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var graph = new ContentGraph(_blobs);
        var sizes = new Dictionary<Digest, long>();
        foreach (var entry in entries)
        {
            foreach (var (digest, size) in await Retention.EntryBlobsAsync(entry, graph, cancellationToken))
            {
                sizes[digest] = size;
            }
        }

        return sizes.Values.Sum();
    }

    private static void Validate(CacheEntry entry)
    {
        if (entry.Scope.Equals(default(CacheScope)))
        {
            throw new ArgumentException("entry has no scope", nameof(entry));
        }

        if (entry.Key.IsEmpty)
        {
            throw new ArgumentException("entry has no cache key", nameof(entry));
        }

        if (entry.Stages is null || entry.Stages.Count == 0)
        {
            throw new ArgumentException("entry has no stages", nameof(entry));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in entry.Stages)
        {
            if (string.IsNullOrWhiteSpace(stage.Name) || stage.Name.Any(char.IsControl))
            {
                throw new ArgumentException($"stage name \"{stage.Name}\" is empty or has control characters", nameof(entry));
            }

            if (!names.Add(stage.Name))
            {
                throw new ArgumentException($"stage \"{stage.Name}\" appears twice", nameof(entry));
            }

            if (stage.ManifestDigest.IsEmpty)
            {
                throw new ArgumentException($"stage \"{stage.Name}\" has no manifest digest", nameof(entry));
            }
        }
    }

    private async Task<StageImage> FillStageAsync(StageImage stage, CancellationToken cancellationToken)
    {
        var json = await ContentGraph.ReadDocumentAsync(_blobs, stage.ManifestDigest, cancellationToken);
        var source = _blobs.GetBlobPath(stage.ManifestDigest);
        var mediaType = OciJson.PeekMediaType(json) ?? MediaType.OciImageManifest;
        if (!MediaType.IsManifest(mediaType))
        {
            throw new StoreCorruptException(source, $"stage \"{stage.Name}\": blob is a {mediaType}, not an image manifest", null);
        }

        ImageManifest manifest;
        try
        {
            manifest = OciJson.DeserializeManifest(json, source);
        }
        catch (OciFormatException e)
        {
            throw new StoreCorruptException(source, e.Message, e);
        }

        long total = json.Length;
        foreach (var blob in (IEnumerable<Descriptor>)[manifest.Config, .. manifest.Layers])
        {
            var size = await _blobs.TryGetSizeAsync(blob.Digest, cancellationToken)
                ?? throw new BlobNotFoundException(blob.Digest, _blobs.GetBlobPath(blob.Digest));
            total += size;
        }

        Platform? platform = null;
        try
        {
            platform = OciJson.DeserializeConfig(await ContentGraph.ReadDocumentAsync(_blobs, manifest.Config.Digest, cancellationToken)).Platform;
        }
        catch (OciFormatException)
        {
            // A config we cannot parse still caches fine; the descriptor just carries no platform.
        }

        return stage with
        {
            ManifestMediaType = mediaType,
            ManifestSize = json.Length,
            ConfigDigest = manifest.Config.Digest,
            Size = total,
            Platform = platform,
        };
    }

    private async Task<IReadOnlyList<CacheEntry>> LoadEntriesAsync(IEnumerable<IndexedEntry> indexed, CancellationToken cancellationToken)
    {
        var result = new List<CacheEntry>();
        foreach (var item in indexed)
        {
            if (await TryLoadEntryAsync(item, cancellationToken) is { } entry)
            {
                result.Add(entry);
            }
        }

        result.Sort((a, b) => IndexEditor.CompareNewestFirst(a.Created, a.Id, b.Created, b.Id));
        return result;
    }

    /// <summary>True when every blob the descriptor reaches is present and every document in it parses.</summary>
    private async Task<bool> IsCompleteAsync(Descriptor root, ContentGraph graph, Dictionary<Digest, bool> present, CancellationToken cancellationToken)
    {
        foreach (var digest in (await graph.ClosureAsync(root, cancellationToken)).Keys)
        {
            if (graph.Problems.ContainsKey(digest))
            {
                return false;
            }

            if (!present.TryGetValue(digest, out var exists))
            {
                exists = await _blobs.ExistsAsync(digest, cancellationToken);
                present[digest] = exists;
            }

            if (!exists)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The entry behind an index descriptor, or null when its blob is missing, corrupt or not an entry (fail open; verify reports it).</summary>
    private async Task<CacheEntry?> TryLoadEntryAsync(IndexedEntry item, CancellationToken cancellationToken)
    {
        try
        {
            var entry = await LoadEntryAsync(item.Id, cancellationToken);
            return entry with { RefName = item.RefName, LastUsed = item.LastUsed > entry.Created ? item.LastUsed : entry.Created, Signature = item.Signature };
        }
        catch (Exception e) when (e is StoreException or BlobNotFoundException or ContentVerificationException or OciFormatException)
        {
            return null;
        }
    }

    private async Task<CacheEntry> LoadEntryAsync(Digest id, CancellationToken cancellationToken)
    {
        var source = _blobs.GetBlobPath(id);
        var json = await ContentGraph.ReadDocumentAsync(_blobs, id, cancellationToken);
        return EntryCodec.FromIndex(OciJson.DeserializeIndex(json, source), id, source);
    }

    private Task UpdateIndexAsync(Func<ImageIndex, ImageIndex?> change, CancellationToken cancellationToken) =>
        UpdateIndexAsync(index => Task.FromResult(change(index)), cancellationToken);

    /// <summary>
    /// Read-modify-write of <c>index.json</c> under the exclusive index lock. <paramref name="change"/>
    /// returns the new document, or null for no change. Stage aliases and <c>SUMMARY</c> follow.
    /// </summary>
    private async Task UpdateIndexAsync(Func<ImageIndex, Task<ImageIndex?>> change, CancellationToken cancellationToken)
    {
        await using var indexLock = await FileLock.AcquireAsync(IndexLockPath, exclusive: true, _options.LockTimeout, cancellationToken);
        var index = await ReadIndexAsync(cancellationToken);
        var updated = await change(index);
        if (updated is null)
        {
            return;
        }

        updated = await RefreshAliasesAsync(updated, cancellationToken);
        await _blobs.Layout.WriteIndexAsync(updated, cancellationToken);
        await WriteSummaryAsync(updated, cancellationToken);
    }

    /// <summary>Points the stage aliases of each scope at its newest entry; aliases of other entries go.</summary>
    private async Task<ImageIndex> RefreshAliasesAsync(ImageIndex index, CancellationToken cancellationToken)
    {
        var newest = IndexEditor.NewestByScope(IndexEditor.Entries(index));
        var manifests = index.Manifests.Where(d => !IndexEditor.IsAlias(d)).ToList();
        var taken = new HashSet<string>(
            manifests.Select(d => d.GetAnnotation(AnnotationKeys.RefName)).OfType<string>(),
            StringComparer.Ordinal);
        foreach (var (scope, entry) in newest.OrderBy(p => p.Key))
        {
            var current = index.Manifests
                .Where(d => IndexEditor.IsAlias(d) && d.GetAnnotation(StoreAnnotations.Scope) == scope.Value && d.GetAnnotation(StoreAnnotations.Entry) == entry.Id.Value)
                .ToList();
            if (current.Count == 0)
            {
                var loaded = await TryLoadEntryAsync(entry, cancellationToken);
                current = loaded is null ? [] : [.. IndexEditor.Aliases(loaded)];
            }

            // A scope with dots plus a stage name can spell another scope's alias; the first keeps it.
            foreach (var alias in current)
            {
                if (taken.Add(alias.GetAnnotation(AnnotationKeys.RefName)!))
                {
                    manifests.Add(alias);
                }
            }
        }

        return index with { Manifests = manifests };
    }

    private async Task<ImageIndex> ReadIndexAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _blobs.Layout.ReadIndexAsync(cancellationToken);
        }
        catch (OciFormatException e)
        {
            throw new StoreCorruptException(IndexFilePath, e.Message, e);
        }
    }

    private async Task WriteSummaryAsync(ImageIndex index, CancellationToken cancellationToken)
    {
        var text = SummaryFile.Render(IndexEditor.Entries(index));
        var path = SummaryFilePath;
        try
        {
            if (File.Exists(path) && await File.ReadAllTextAsync(path, cancellationToken) == text)
            {
                return;
            }
        }
        catch (IOException)
        {
            // Unreadable: rewrite it.
        }

        await AtomicFile.WriteAsync(path, Encoding.UTF8.GetBytes(text), TempDirectory, cancellationToken);
    }

    private int SweepTempFiles()
    {
        var removed = 0;
        var cutoff = DateTime.UtcNow - _options.StaleTempAge;
        if (!Directory.Exists(TempDirectory))
        {
            return 0;
        }

        foreach (var file in Directory.EnumerateFiles(TempDirectory))
        {
            if (File.GetLastWriteTimeUtc(file) < cutoff)
            {
                AtomicFile.TryDelete(file);
                removed += File.Exists(file) ? 0 : 1;
            }
        }

        return removed;
    }
}
