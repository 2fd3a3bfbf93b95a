using System.Collections.Concurrent;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>
/// A cache store in one repository of any OCI registry (<c>registry://HOST[:PORT]/REPO</c>). What other
/// tools see: every stage image is an image manifest (config and gzip layers as blobs) that
/// <c>skopeo inspect</c> or <c>docker pull REPO@DIGEST</c> reads; every entry is an OCI image index (the
/// directory store's entry format, <see cref="StoreAnnotations"/>) over its stage manifests, tagged
/// <c>SCOPE.yyyyMMddTHHmmssZ</c> (<see cref="EntryTags"/>: scopes are tag prefixes). Entries are listed
/// from the tags list (paginated), each read through the 4 MiB document bound and verified; a tag that
/// is not a readable entry is skipped with a reason, never trusted. Saving pushes only the blobs the
/// registry lacks (<c>HEAD</c> first; content it has is never opened). Retention deletes entry manifests
/// through the API where the registry allows it and never a blob: layers are shared, and the registry's
/// own GC reclaims what no tag references. An entry's signature and last use are small artifact
/// manifests beside it (<see cref="EntryArtifact"/>), deleted with it. Verify reads every blob the
/// entries reach through the API.
/// </summary>
public sealed class RegistryCacheStore : IPrunableCacheStore, IVerifiableCacheStore, IEntrySignatureStore, IEntryUsageRecorder, IDisposable
{
    private readonly RegistryClient _client;
    private readonly RegistryBlobStore _blobs;
    private readonly RegistryReferenceStore _references;
    private readonly RegistryCacheStoreOptions _options;
    private readonly EntryReader _reader;
    private readonly ConcurrentQueue<string> _skipped = new();

    // Last uses read with the entry list: a restore that follows needs no request to know whether its use moves the record.
    private readonly ConcurrentDictionary<Digest, DateTimeOffset> _recordedUse = new();

    private RegistryCacheStore(RegistryClient client, RegistryCacheStoreOptions options)
    {
        _client = client;
        _options = options;
        Location = $"registry://{client.Registry}/{options.Repository}";
        _blobs = new RegistryBlobStore(client, options.Repository, Location, options.Client.ChunkSize);
        _references = new RegistryReferenceStore(_blobs, Location);
        _reader = new EntryReader(_blobs, d => $"{Location}@{d}");
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <inheritdoc/>
    public IBlobStore Blobs => _blobs;

    /// <inheritdoc/>
    public IReferenceStore References => _references;

    /// <inheritdoc/>
    public BlobPolicy Policy => BlobPolicy.Registry;

    /// <inheritdoc/>
    public StoreCapabilities Capabilities => this.Discover();

    /// <summary>Why tags were passed over while listing entries (not an entry, unreadable, not this store's), one line each.</summary>
    public IReadOnlyCollection<string> Skipped => _skipped;

    /// <summary>
    /// Opens the store: checks that the registry answers the API and that the credentials
    /// (<see cref="RegistryClientOptions.Credentials"/>) are accepted. A repository that does not exist
    /// yet is an empty store (a registry creates it on the first push).
    /// </summary>
    /// <exception cref="StoreException">The registry cannot be reached, refuses the credentials or fails (classified).</exception>
    public static async Task<RegistryCacheStore> OpenAsync(RegistryCacheStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!RegistryClient.IsValidRepository(options.Repository))
        {
            throw new ArgumentException($"'{options.Repository}' is not a repository name", nameof(options));
        }

        RegistryClient client;
        try
        {
            client = new RegistryClient(options.Client);
        }
        catch (RegistryException e)
        {
            throw RegistryStoreErrors.Translate(e, $"registry://{options.Client.Registry}/{options.Repository}");
        }

        var store = new RegistryCacheStore(client, options);
        try
        {
            await RegistryStoreErrors.CallAsync(store.Location, () => client.PingAsync(cancellationToken));
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<IStoreWriteSession> BeginWriteAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IStoreWriteSession>(new RegistryWriteSession(this, _blobs.Remembering()));
    }

    /// <summary>How many entry documents are read at once (each a round trip, and a registry limits its clients).</summary>
    private const int ParallelReads = 8;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<CacheEntry>> ListEntriesAsync(CancellationToken cancellationToken)
    {
        var (tagged, artifacts) = await LoadTaggedWithArtifactsAsync(_ => true, cancellationToken);
        return await WithArtifactsAsync(Loaded(tagged), artifacts, EntryArtifact.All, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<CacheEntry>> FindEntriesAsync(CacheScope scope, CancellationToken cancellationToken)
    {
        var part = EntryTags.ScopePart(scope);

        // The tag is a hint; the entry's own document decides (a lying tag can only hide an entry).
        // Signatures decide what a keyed restore may take; last use is retention's, and reading it here
        // would cost every restore a request per entry of the scope.
        var (tagged, artifacts) = await LoadTaggedWithArtifactsAsync(p => p == part, cancellationToken);
        return await WithArtifactsAsync([.. Loaded(tagged).Where(e => e.Scope == scope)], artifacts, [EntryArtifact.Signature], cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<CacheEntry> PutEntryAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        EntryRules.Validate(entry);
        var stages = new List<StageImage>(entry.Stages.Count);
        foreach (var stage in entry.Stages)
        {
            stages.Add(await _reader.FillStageAsync(stage, cancellationToken));
        }

        // A tag points at manifests, and an index may only reference manifests the registry has: push
        // each stage image as a manifest (its config and layers were checked present above).
        foreach (var stage in stages)
        {
            var present = await RegistryStoreErrors.CallAsync(Location, () => _client.HeadManifestAsync(_options.Repository, stage.ManifestDigest.Value, cancellationToken));
            if (present is null)
            {
                await _references.PutAsync(stage.ManifestDigest.Value, new Descriptor { MediaType = stage.ManifestMediaType, Digest = stage.ManifestDigest, Size = stage.ManifestSize }, cancellationToken);
            }
        }

        var created = entry.Created.ToUniversalTime();
        var normalized = entry with { Stages = stages, Created = created, LastUsed = created, Id = default, RefName = null, Signature = null };
        var document = OciJson.SerializeWithDigest(EntryCodec.ToIndex(normalized));
        var tag = EntryTags.Name(normalized.Scope, created);
        var current = await RegistryStoreErrors.CallAsync(Location, () => _client.HeadManifestAsync(_options.Repository, tag, cancellationToken));
        if (current is not null && current.Digest != document.Digest)
        {
            // Another entry of the scope in the same second: a name stable for this entry.
            tag = EntryTags.Alternate(tag, document.Digest);
            current = await RegistryStoreErrors.CallAsync(Location, () => _client.HeadManifestAsync(_options.Repository, tag, cancellationToken));
        }

        if (current?.Digest != document.Digest)
        {
            await RegistryStoreErrors.CallAsync(Location, () => _client.PutManifestAsync(_options.Repository, tag, MediaType.OciImageIndex, document.Content, cancellationToken));
        }

        return normalized with { Id = document.Digest, RefName = tag };
    }

    /// <inheritdoc/>
    public async Task<long> GetSizeAsync(IEnumerable<CacheEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return await Retention.SizeOfAsync(entries, new ContentGraph(_blobs), cancellationToken);
    }

    /// <summary>
    /// Applies retention by deleting entry manifests (which removes their tags), and drops entries that
    /// lost a manifest, config or layer (they could never be restored). Never deletes a blob or a stage
    /// manifest: other entries and other clients share them, and the registry's GC collects what no tag
    /// references. <see cref="PruneReport.BlobsRemoved"/> counts the entry manifests deleted and
    /// <see cref="PruneReport.BytesFreed"/> the bytes no remaining entry references (the registry's GC
    /// reclaims them). A registry that refuses deletes (405, <c>UNSUPPORTED</c>) keeps everything and the
    /// report says so in <see cref="PruneReport.Warnings"/>.
    /// </summary>
    public async Task<PruneReport> PruneAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var (tagged, artifactTags) = await LoadTaggedWithArtifactsAsync(_ => true, cancellationToken);
        var graph = new ContentGraph(_blobs);
        var present = new Dictionary<Digest, long?>();
        var loaded = new List<CacheEntry>();
        var broken = new List<(string Tag, Digest Id)>();
        foreach (var item in tagged)
        {
            if (item.Entry is { } entry && await IsCompleteAsync(entry, graph, present, cancellationToken))
            {
                loaded.Add(entry);
            }
            else if (item.Ours)
            {
                broken.Add((item.Tag, item.Id));
            }
        }

        // Last use only where a rule ages or orders by it (a save prunes every time: no request per entry for nothing).
        if (policy.KeepFor is not null || policy.MaxSize is not null)
        {
            loaded = await WithArtifactsAsync(loaded, artifactTags, [EntryArtifact.Usage], cancellationToken);
        }

        var survivors = await Retention.ApplyAsync(policy, now, loaded, graph, cancellationToken);
        var removed = loaded.Where(e => !survivors.Contains(e.Id)).ToList();
        var kept = loaded.Where(e => survivors.Contains(e.Id)).ToList();
        // Walked before anything is deleted: an entry's closure cannot be read once its index is gone.
        var closures = new Dictionary<Digest, Dictionary<Digest, long>>();
        foreach (var entry in loaded)
        {
            closures[entry.Id] = await Retention.EntryBlobsAsync(entry, graph, cancellationToken);
        }

        var warnings = new List<string>();
        var denied = new List<string>();
        var deleted = 0;
        var removedEntries = new List<CacheEntry>();
        var removedBroken = new List<string>();
        foreach (var (tag, id, entry) in broken.Select(b => (b.Tag, b.Id, (CacheEntry?)null)).Concat(removed.Select(e => (e.RefName!, e.Id, (CacheEntry?)e))))
        {
            // Two tags can name one entry; the entry is deleted once, and kept if any kept tag names it.
            if (kept.Any(k => k.Id == id))
            {
                continue;
            }

            try
            {
                if (await _client.DeleteManifestAsync(_options.Repository, id, cancellationToken))
                {
                    deleted++;
                }

                await DeleteArtifactsAsync(id, artifactTags, cancellationToken);
            }
            catch (RegistryException e) when (e.Kind is RegistryErrorKind.Unsupported)
            {
                // The entry is saved either way; retention the registry will not do is its setup, not a failed save.
                warnings.Add($"{Location}: the registry does not allow deletes, so retention removed nothing (enable deletes, e.g. REGISTRY_STORAGE_DELETE_ENABLED=true for Distribution, or use the registry's own retention rules)");
                removedEntries.Clear();
                removedBroken.Clear();
                deleted = 0;
                kept = [.. loaded];
                denied.Clear();
                break;
            }
            catch (RegistryException e) when (e.Kind is RegistryErrorKind.Denied)
            {
                // Credentials that may push but not delete, or delete only their own scope's tags (a pull
                // request's token on a team server): that entry stays, the rest of retention goes on.
                denied.Add(e.Message);
                if (entry is not null)
                {
                    kept.Add(entry);
                }

                continue;
            }
            catch (RegistryException e)
            {
                throw RegistryStoreErrors.Translate(e, Location);
            }

            if (entry is null)
            {
                removedBroken.Add(tag);
            }
            else
            {
                removedEntries.Add(entry);
            }
        }

        if (denied.Count > 0)
        {
            warnings.Add($"{Location}: the registry refused to delete {denied.Count} entr{(denied.Count == 1 ? "y" : "ies")} retention chose (the credentials may not delete there), so they were kept: {denied[0]}");
        }

        var keptBlobs = new Dictionary<Digest, long>();
        foreach (var entry in kept)
        {
            foreach (var (digest, size) in closures[entry.Id])
            {
                keptBlobs[digest] = size;
            }
        }

        var freed = new Dictionary<Digest, long>();
        foreach (var entry in removedEntries)
        {
            foreach (var (digest, size) in closures[entry.Id])
            {
                if (!keptBlobs.ContainsKey(digest))
                {
                    freed[digest] = size;
                }
            }
        }

        removedEntries.Sort((a, b) => b.Created != a.Created ? b.Created.CompareTo(a.Created) : a.Id.CompareTo(b.Id));
        return new PruneReport
        {
            EntriesRemoved = removedEntries,
            BrokenEntriesRemoved = removedBroken,
            EntriesKept = kept.Count,
            BlobsRemoved = deleted,
            BytesFreed = freed.Values.Sum(),
            TempFilesRemoved = 0,
            BytesKept = keptBlobs.Values.Sum(),
            Warnings = warnings,
        };
    }

    /// <summary>
    /// Reads every blob the entries reach through the API, once, each verified against its digest as it
    /// streams and against the size its descriptor states, and names the entries each bad or missing blob
    /// breaks; an entry tag of this store that no longer reads as an entry is broken too. Nothing is
    /// repaired or deleted (a registry's blobs are shared: <c>prune</c> drops broken entries' tags). A
    /// registry cannot list its blobs, so none is counted as unreferenced.
    /// </summary>
    public async Task<VerifyReport> VerifyAsync(CancellationToken cancellationToken)
    {
        var tagged = await LoadTaggedAsync(_ => true, cancellationToken);
        var graph = new ContentGraph(_blobs);
        var referencedBy = new Dictionary<Digest, SortedSet<string>>();
        var declared = new Dictionary<Digest, List<(long Size, string By)>>();
        var closures = new List<(string Name, ICollection<Digest> Digests)>();
        var broken = new SortedSet<string>(StringComparer.Ordinal);
        var entries = 0;
        foreach (var item in tagged)
        {
            if (item.Entry is not { } entry)
            {
                // A tag whose manifest is gone names nothing a restore could try, as if it were not there
                // (a registry may keep listing it, and its API cannot say what it named or delete it).
                if (item.Ours)
                {
                    broken.Add(item.Tag);
                }

                continue;
            }

            entries++;
            var digests = new HashSet<Digest>();
            foreach (var stage in entry.Stages)
            {
                var root = new Descriptor { MediaType = stage.ManifestMediaType, Digest = stage.ManifestDigest, Size = stage.ManifestSize };
                foreach (var (digest, descriptor) in await graph.ClosureAsync(root, cancellationToken))
                {
                    digests.Add(digest);
                    if (!declared.TryGetValue(digest, out var sizes))
                    {
                        declared[digest] = sizes = [];
                    }

                    sizes.Add((descriptor.Size, item.Tag));
                }
            }

            closures.Add((item.Tag, digests));
            foreach (var digest in digests)
            {
                if (!referencedBy.TryGetValue(digest, out var names))
                {
                    referencedBy[digest] = names = new SortedSet<string>(StringComparer.Ordinal);
                }

                names.Add(item.Tag);
            }
        }

        var problems = new Dictionary<Digest, (BlobProblemKind Kind, string Detail)>(graph.Problems);
        var blobsChecked = 0;
        long bytesChecked = 0;
        var buffer = new byte[1 << 16];
        foreach (var (digest, sizes) in declared.OrderBy(d => d.Key))
        {
            if (problems.ContainsKey(digest))
            {
                continue;
            }

            // Read once, bounded by the largest size any descriptor declares for it: a registry that
            // streams on past that is cut off there. Every descriptor's size is then checked, since a
            // restore streams exactly the size its manifest declares.
            var bound = sizes.Max(d => d.Size);
            long read = 0;
            try
            {
                await using var stream = await _blobs.OpenReadAsync(digest, cancellationToken);
                int n;
                while ((n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bound - read + 1)), cancellationToken)) > 0)
                {
                    read += n;
                    if (read > bound)
                    {
                        break;
                    }
                }
            }
            catch (ContentVerificationException e)
            {
                problems[digest] = (BlobProblemKind.Corrupt, e.Message);
                continue;
            }
            catch (BlobNotFoundException)
            {
                problems[digest] = (BlobProblemKind.Missing, $"{Location}: blob {digest} not found");
                continue;
            }
            catch (StoreException e) when (e.Kind is StoreErrorKind.NotFound)
            {
                problems[digest] = (BlobProblemKind.Missing, $"{Location}: blob {digest} not found");
                continue;
            }

            blobsChecked++;
            bytesChecked += Math.Min(read, bound);
            if (read > bound)
            {
                problems[digest] = (BlobProblemKind.Invalid, $"{Location}: blob {digest} holds more than the {bound} bytes declared for it (by {sizes.First(d => d.Size == bound).By})");
            }
            else if (sizes.FirstOrDefault(d => d.Size != read) is { By: not null } wrong)
            {
                problems[digest] = (BlobProblemKind.Invalid, $"{Location}: blob {digest} declared as {wrong.Size} bytes (by {wrong.By}), stored as {read}");
            }
        }

        foreach (var (name, digests) in closures)
        {
            if (digests.Any(problems.ContainsKey))
            {
                broken.Add(name);
            }
        }

        return new VerifyReport
        {
            BlobsChecked = blobsChecked,
            BytesChecked = bytesChecked,
            EntriesChecked = entries,
            Problems = problems
                .OrderBy(p => p.Key)
                .Select(p => new BlobProblem(p.Key, p.Value.Kind, p.Value.Detail, referencedBy.TryGetValue(p.Key, out var names) ? [.. names] : []))
                .ToList(),
            BrokenEntries = [.. broken],
            UnreferencedBlobs = 0,
        };
    }

    /// <summary>Deletes a removed entry's signature and usage manifests, where it has them; best effort (an orphan describes nothing that exists).</summary>
    private async Task DeleteArtifactsAsync(Digest entryId, HashSet<string> artifactTags, CancellationToken cancellationToken)
    {
        foreach (var kind in EntryArtifact.All)
        {
            var tag = kind.Tag(entryId);
            if (!artifactTags.Contains(tag))
            {
                continue;
            }

            try
            {
                if (await _client.HeadManifestAsync(_options.Repository, tag, cancellationToken) is { } artifact)
                {
                    await _client.DeleteManifestAsync(_options.Repository, artifact.Digest, cancellationToken);
                }
            }
            catch (RegistryException e) when (e.Kind is not RegistryErrorKind.Transient)
            {
                _options.OnSkipped?.Invoke($"{Location}:{tag}: left in place: {e.Message}");
            }
        }
    }

    /// <summary>How far a use must be past the recorded one to be written (retention windows are days).</summary>
    public static readonly TimeSpan UsageGranularity = TimeSpan.FromHours(1);

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    private static List<CacheEntry> Loaded(List<TaggedEntry> tagged)
    {
        var result = new List<CacheEntry>();
        var seen = new HashSet<Digest>();
        foreach (var item in tagged)
        {
            if (item.Entry is { } entry && seen.Add(entry.Id))
            {
                result.Add(entry);
            }
        }

        result.Sort((a, b) => b.Created != a.Created ? b.Created.CompareTo(a.Created) : a.Id.CompareTo(b.Id));
        return result;
    }

    /// <summary>Every entry tag whose scope part passes <paramref name="scopePart"/>, with its entry or why it has none.</summary>
    private async Task<List<TaggedEntry>> LoadTaggedAsync(Func<string, bool> scopePart, CancellationToken cancellationToken) =>
        (await LoadTaggedWithArtifactsAsync(scopePart, cancellationToken)).Entries;

    /// <summary>As <see cref="LoadTaggedAsync"/>, and the tags of entry artifacts (<see cref="EntryArtifact"/>) in the same tag list.</summary>
    private async Task<(List<TaggedEntry> Entries, HashSet<string> Artifacts)> LoadTaggedWithArtifactsAsync(Func<string, bool> scopePart, CancellationToken cancellationToken)
    {
        var tags = new List<string>();
        var artifacts = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var tag in _references.ListTagsAsync(cancellationToken))
        {
            if (EntryTags.TryParse(tag, out var part) && scopePart(part))
            {
                tags.Add(tag);
            }
            else if (EntryArtifact.All.Any(kind => kind.IsTag(tag)))
            {
                artifacts.Add(tag);
            }
        }

        // A few at a time, in tag order: each is a round trip to a registry that may be far away.
        var result = new TaggedEntry[tags.Count];
        await Parallel.ForAsync(0, tags.Count, new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken }, async (i, token) =>
            result[i] = await LoadAsync(tags[i], token));
        return ([.. result], artifacts);
    }

    /// <summary>
    /// The entries with their signatures and last-used times (of <paramref name="kinds"/>), read from the
    /// artifact manifests the tag list has (one request each). One that is unreadable, of another type or about another subject is
    /// ignored: the entry reads as unsigned (a keyed build passes over it: a miss, never a wrong hit) or
    /// as last used when it was saved.
    /// </summary>
    private async Task<List<CacheEntry>> WithArtifactsAsync(List<CacheEntry> entries, HashSet<string> artifactTags, IReadOnlyList<EntryArtifact> kinds, CancellationToken cancellationToken)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (kinds.Contains(EntryArtifact.Signature) && artifactTags.Contains(EntryArtifact.Signature.Tag(entry.Id))
                && await ReadArtifactAsync(entry.Id, EntryArtifact.Signature, cancellationToken) is { Length: <= 512 } signature)
            {
                entry = entry with { Signature = signature };
            }

            if (kinds.Contains(EntryArtifact.Usage) && artifactTags.Contains(EntryArtifact.Usage.Tag(entry.Id))
                && await ReadArtifactAsync(entry.Id, EntryArtifact.Usage, cancellationToken) is { } text
                && Rfc3339JsonConverter.TryParse(text, out var used) && used > entry.LastUsed)
            {
                // A date anyone with write access could write: retention bounds it (EntryDates), as the directory's.
                entry = entry with { LastUsed = used };
                _recordedUse[entry.Id] = used;
            }

            entries[i] = entry;
        }

        return entries;
    }

    /// <summary>The value an entry artifact of <paramref name="kind"/> carries about <paramref name="entryId"/>, or null.</summary>
    private async Task<string?> ReadArtifactAsync(Digest entryId, EntryArtifact kind, CancellationToken cancellationToken)
    {
        var tag = kind.Tag(entryId);
        try
        {
            var manifest = await _client.GetManifestAsync(_options.Repository, tag, cancellationToken);
            return manifest is { IsManifest: true } && manifest.AsManifest() is { } document
                && document.ArtifactType == kind.ArtifactType
                && document.Subject?.Digest == entryId
                && document.Annotations?.GetValueOrDefault(kind.Annotation) is { Length: > 0 } value
                    ? value
                    : null;
        }
        catch (Exception e) when (e is OciFormatException || (e is RegistryException r && r.Kind is RegistryErrorKind.Corrupt or RegistryErrorKind.Invalid))
        {
            _options.OnSkipped?.Invoke($"{Location}:{tag}: ignored, not a readable {kind.Name}: {e.Message}");
            return null;
        }
        catch (RegistryException e)
        {
            throw RegistryStoreErrors.Translate(e, Location);
        }
    }

    /// <summary>
    /// Stores <paramref name="value"/> as a small OCI artifact manifest whose subject is the entry's index,
    /// tagged <see cref="EntryArtifact.Tag"/>: readable by any registry (no referrers API needed), ignored
    /// by the entry listing, removed with its entry by retention. False when the entry is gone.
    /// </summary>
    private async Task<bool> WriteArtifactAsync(Digest entryId, EntryArtifact kind, string value, CancellationToken cancellationToken)
    {
        var entry = await RegistryStoreErrors.CallAsync(Location, () => _client.HeadManifestAsync(_options.Repository, entryId.Value, cancellationToken));
        if (entry is null)
        {
            return false;
        }

        var empty = "{}"u8.ToArray();
        var emptyDescriptor = new Descriptor { MediaType = MediaType.OciEmpty, Digest = Digest.Compute(empty), Size = empty.Length };
        await _blobs.PushIfNewAsync(emptyDescriptor.Digest, emptyDescriptor.Size, _ => Task.FromResult<Stream>(new MemoryStream(empty, writable: false)), cancellationToken);
        var document = OciJson.SerializeWithDigest(new ImageManifest
        {
            MediaType = MediaType.OciImageManifest,
            ArtifactType = kind.ArtifactType,
            Config = emptyDescriptor,
            Layers = [emptyDescriptor],
            Subject = new Descriptor { MediaType = MediaType.OciImageIndex, Digest = entry.Digest, Size = entry.Size },
            Annotations = new Dictionary<string, string> { [kind.Annotation] = value },
        });
        await RegistryStoreErrors.CallAsync(Location, () => _client.PutManifestAsync(_options.Repository, kind.Tag(entryId), MediaType.OciImageManifest, document.Content, cancellationToken));
        return true;
    }

    /// <summary>
    /// Stores the signature as an entry artifact (<see cref="EntryArtifact.Signature"/>, tagged
    /// <c>sha256-HEX.sig</c>) whose subject is the entry's index.
    /// </summary>
    public Task<bool> SignEntryAsync(Digest entryId, string signature, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(signature);
        return WriteArtifactAsync(entryId, EntryArtifact.Signature, signature, cancellationToken);
    }

    /// <summary>
    /// Records the use as an entry artifact (<see cref="EntryArtifact.Usage"/>, tagged <c>sha256-HEX.used</c>),
    /// rewritten only when it moves the time forward by more than <see cref="UsageGranularity"/> (or
    /// replaces one in the future). Best effort: where the credentials may read but not
    /// write (a pull request's) or the registry fails just then, the restore it follows stands, and
    /// retention ages the entry by its last recorded use or its save.
    /// </summary>
    public async Task<bool> MarkUsedAsync(Digest entryId, DateTimeOffset usedAt, CancellationToken cancellationToken)
    {
        // Retention counts days: a record less than this older than the use is left as it is, so that
        // every build of a busy repository does not write one (and a restore costs no round trip).
        bool Current(DateTimeOffset recorded) => recorded >= usedAt - UsageGranularity && !EntryDates.IsInFuture(recorded, usedAt);
        try
        {
            if (_recordedUse.TryGetValue(entryId, out var known) && Current(known))
            {
                return true;
            }

            if (await ReadArtifactAsync(entryId, EntryArtifact.Usage, cancellationToken) is { } text
                && Rfc3339JsonConverter.TryParse(text, out var recorded) && Current(recorded))
            {
                _recordedUse[entryId] = recorded;
                return true;
            }

            var written = await WriteArtifactAsync(entryId, EntryArtifact.Usage, Rfc3339JsonConverter.Format(usedAt.ToUniversalTime()), cancellationToken);
            if (written)
            {
                _recordedUse[entryId] = usedAt;
            }

            return written;
        }
        catch (StoreException e)
        {
            // Denied, unsupported or unreachable just now: the restore it follows stands either way.
            _options.OnSkipped?.Invoke($"{Location}: the use of entry {entryId} was not recorded: {e.Message}");
            return true;
        }
    }

    /// <summary>The entry a tag points at; a tag pointing at anything else is skipped with a reason (fail open).</summary>
    private async Task<TaggedEntry> LoadAsync(string tag, CancellationToken cancellationToken)
    {
        var source = $"{Location}:{tag}";
        RegistryManifest? manifest;
        try
        {
            manifest = await _client.GetManifestAsync(_options.Repository, tag, cancellationToken);
        }
        catch (RegistryException e) when (e.Kind is RegistryErrorKind.Corrupt or RegistryErrorKind.Invalid)
        {
            return Skip(tag, default, ours: false, $"{source}: skipped, unreadable: {e.Message}");
        }
        catch (RegistryException e)
        {
            throw RegistryStoreErrors.Translate(e, Location);
        }

        if (manifest is null)
        {
            // Deleted between the tag list and this read.
            return new TaggedEntry(tag, default, null, Ours: false);
        }

        var id = manifest.Descriptor.Digest;
        if (!manifest.IsIndex)
        {
            return Skip(tag, id, ours: false, $"{source}: skipped, a {manifest.Descriptor.MediaType} is not a cache entry");
        }

        ImageIndex index;
        try
        {
            index = manifest.AsIndex();
        }
        catch (OciFormatException e)
        {
            return Skip(tag, id, ours: false, $"{source}: skipped, not an entry: {e.Message}");
        }

        var ours = index.Annotations?.ContainsKey(StoreAnnotations.Format) == true;
        try
        {
            var entry = EntryCodec.FromIndex(index, id, source);
            return new TaggedEntry(tag, id, entry with { RefName = tag }, ours);
        }
        catch (StoreCorruptException e)
        {
            return Skip(tag, id, ours, $"{source}: skipped, not a readable entry: {e.Message}");
        }
    }

    private TaggedEntry Skip(string tag, Digest id, bool ours, string reason)
    {
        _skipped.Enqueue(reason);
        _options.OnSkipped?.Invoke(reason);
        return new TaggedEntry(tag, id, null, ours);
    }

    /// <summary>True when every manifest, config and layer the entry references is present with its stated size.</summary>
    private static async Task<bool> IsCompleteAsync(CacheEntry entry, ContentGraph graph, Dictionary<Digest, long?> present, CancellationToken cancellationToken)
    {
        foreach (var stage in entry.Stages)
        {
            if (!await graph.IsCompleteAsync(new Descriptor { MediaType = stage.ManifestMediaType, Digest = stage.ManifestDigest, Size = stage.ManifestSize }, present, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An entry tag and what it points at: the entry, or null when it is not one (<paramref name="Ours"/>: it carries this store's format annotation).</summary>
    private sealed record TaggedEntry(string Tag, Digest Id, CacheEntry? Entry, bool Ours);
}
