using LayerCache.Core.Progress;
using LayerCache.Docker;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// Copies stage images from the engine into the store, moving only what changed: an image whose id
/// the store already holds is not exported at all, and a layer the store already holds is hashed as
/// it streams past but never written again. <c>docker save</c> has no way to leave layers out, so
/// an image with one new layer still makes the engine export all of its layers: that is the bound
/// of this transport, measured in bench/. The bytes read from the engine's export are counted into
/// <paramref name="progress"/>'s lines (with no total: the export's size is known only at its end).
/// </summary>
internal sealed class StageImageExporter(
    IDockerEngine engine, ICacheStore store, ProgressReporter? progress = null, IStoreBridgeHost? bridge = null, IReadOnlySet<Digest>? bridged = null, Action<string>? log = null)
{
    // DiffId -> stored layer: the engine names layers by DiffId, the store keeps them as its policy says.
    private LayerIndex _layers = new(store.Blobs, store.Policy);

    public async Task<ExportResult> ExportAsync(IReadOnlyList<StageSource> stages, IReadOnlyList<CacheEntry> knownEntries, CancellationToken cancellationToken)
    {
        _layers = LayerIndex.For(store, knownEntries);
        var known = new Dictionary<Digest, StageImage>();
        foreach (var stage in knownEntries.SelectMany(e => e.Stages))
        {
            if (!stage.ConfigDigest.IsEmpty)
            {
                known.TryAdd(stage.ConfigDigest, stage);
            }
        }

        var result = new ExportResult();
        var toExport = new List<StageSource>();
        foreach (var stage in stages)
        {
            var reuse = known.TryGetValue(stage.Image.Id, out var stored) && await IsCompleteAsync(stored, cancellationToken)
                ? stored
                : await FindEquivalentAsync(stage, known.Values, cancellationToken);
            if (reuse is not null)
            {
                result.Stages.Add(reuse with { Name = stage.Stage });
                result.StagesReused++;
                result.LayersSkipped += stage.Image.Layers.Count;
            }
            else
            {
                toExport.Add(stage);
            }
        }

        if (toExport.Count == 0)
        {
            return result;
        }

        // Sizes of the layers the store already has: a layer tar of one of these sizes is most
        // likely one of them, so it is hashed without being written. The rare miss is caught below.
        var layers = toExport.SelectMany(s => s.Image.Layers).Distinct().ToList();
        var storedSizes = new HashSet<long>();
        foreach (var diffId in layers)
        {
            if (await _layers.FindAsync(DiffId.FromDigest(diffId), cancellationToken) is { } stored && stored.TarSize is { } tarSize)
            {
                storedSizes.Add(tarSize);
            }
        }

        var pushed = await PushWhereFasterAsync(toExport, result, cancellationToken);
        var archived = toExport.Except(pushed).ToList();
        if (archived.Count == 0)
        {
            return Count(layers, result);
        }

        var images = await SaveAsync(archived, storedSizes, result, cancellationToken);
        var missing = await MissingLayersAsync(images, cancellationToken);
        if (missing.Count > 0)
        {
            // A new layer had the size of a stored one (small tars are multiples of 512 bytes, so a
            // one-line source change often keeps the size): export those images again and hash only
            // the layers of those sizes; the store keeps its copy of any that turn out to be stored.
            var missingSizes = images.Values.SelectMany(i => i.Layers)
                .Where(l => missing.Contains(l.DiffId.Digest) && l.File is not null)
                .Select(l => l.File!.Value.Size)
                .ToHashSet();
            storedSizes.ExceptWith(missingSizes);
            var again = archived.Where(s => images.TryGetValue(s.Image.Id, out var image) && image.Layers.Any(l => missing.Contains(l.DiffId.Digest))).ToList();
            var retried = await SaveAsync(again, storedSizes, result, cancellationToken);
            foreach (var (id, image) in retried)
            {
                images[id] = image;
            }

            missing = await MissingLayersAsync(images, cancellationToken);
            if (missing.Count > 0)
            {
                throw new InvalidDataException($"the engine's export lacks layer {missing.First()}");
            }
        }

        foreach (var stage in archived)
        {
            if (!images.TryGetValue(stage.Image.Id, out var image))
            {
                throw new InvalidDataException($"the engine's export of stage {stage.Stage} lacks image {stage.Image.Id}");
            }

            result.Stages.Add(await WriteImageAsync(stage.Stage, image.ConfigContent, image.ConfigDigest, [.. image.Layers.Select(l => l.DiffId)], image.Config.Platform, result, cancellationToken));
            result.StagesExported++;
        }

        return Count(layers, result);
    }

    private static ExportResult Count(List<Digest> layers, ExportResult result)
    {
        // Every layer of the exported images is in the store now: what the exports did not write, it
        // had. Counted from what was written, not as archives stream past: a second export of the same
        // images would count its layers twice, and an OCI-form archive streams configs as blobs too.
        var newLayers = layers.Where(result.NewBlobs.ContainsKey).ToList();
        result.LayersWritten = newLayers.Count;
        result.LayerBytesWritten = newLayers.Sum(l => result.NewBlobs[l]);
        result.LayersSkipped += layers.Count - newLayers.Count;
        result.BytesWritten += result.NewBlobs.Values.Sum();
        return result;
    }

    /// <summary>
    /// A stored image equivalent to the engine's: the same layers, the same history commands and
    /// the same runtime config. BuildKit's inline cache metadata is not byte-stable, so a fully
    /// cached rebuild gets a new image id although nothing changed; exporting it again would cost
    /// the engine a full <c>docker save</c> and make SUMMARY (and so the CI's cache key) change on
    /// every run. The stored image serves a later <c>--cache-from</c> exactly as well.
    /// </summary>
    private async Task<StageImage?> FindEquivalentAsync(StageSource stage, IEnumerable<StageImage> candidates, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? history = null;
        foreach (var candidate in candidates)
        {
            if (candidate.Name != stage.Stage || !await IsCompleteAsync(candidate, cancellationToken))
            {
                continue;
            }

            ImageConfig config;
            try
            {
                await using var blob = await store.Blobs.OpenReadAsync(candidate.ConfigDigest, cancellationToken);
                config = OciJson.DeserializeConfig(await DocumentReader.ReadAsync(blob, candidate.ConfigDigest.Value, cancellationToken), candidate.ConfigDigest.Value);
            }
            catch (Exception e) when (StoreErrors.IsStoreFailure(e))
            {
                continue;
            }

            if (!SameContent(config, stage.Image))
            {
                continue;
            }

            history ??= (await engine.ImageHistoryAsync(stage.Image.Id.Value, cancellationToken)).Select(h => h.CreatedBy).Reverse().ToList();
            if (SameHistory(config, history))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// True when the stored image's manifest, config and every layer are present: a blob removed as
    /// corrupt (or lost) must be exported again, not referenced by a new entry.
    /// </summary>
    private async Task<bool> IsCompleteAsync(StageImage image, CancellationToken cancellationToken)
    {
        ImageManifest manifest;
        try
        {
            await using var blob = await store.Blobs.OpenReadAsync(image.ManifestDigest, cancellationToken);
            manifest = OciJson.DeserializeManifest(await DocumentReader.ReadAsync(blob, image.ManifestDigest.Value, cancellationToken), image.ManifestDigest.Value);
        }
        catch (Exception e) when (StoreErrors.IsStoreFailure(e))
        {
            return false;
        }

        foreach (var descriptor in manifest.Layers.Prepend(manifest.Config))
        {
            if (!await store.Blobs.ExistsAsync(descriptor.Digest, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The first half of equivalence (no engine call needed): the same layers, in order, and the same runtime config.</summary>
    internal static bool SameContent(ImageConfig stored, DockerImage image) =>
        stored.DiffIds.Select(d => d.Digest).SequenceEqual(image.Layers) && SameRuntimeConfig(stored.Config, image);

    /// <summary>The second half: the same history commands, oldest first (the engine's history is given oldest first).</summary>
    internal static bool SameHistory(ImageConfig stored, IReadOnlyList<string> engineHistory) =>
        (stored.History ?? []).Select(h => h.CreatedBy ?? string.Empty).SequenceEqual(engineHistory, StringComparer.Ordinal);

    private static bool SameRuntimeConfig(ContainerConfig? stored, DockerImage image)
    {
        static bool Same(IReadOnlyList<string>? a, IReadOnlyList<string> b) => (a ?? []).SequenceEqual(b, StringComparer.Ordinal);
        var labels = stored?.Labels ?? new Dictionary<string, string>();
        return Same(stored?.Env, image.Env)
            && Same(stored?.Cmd, image.Cmd)
            && Same(stored?.Entrypoint, image.Entrypoint)
            && (stored?.WorkingDir ?? string.Empty) == (image.WorkingDir ?? string.Empty)
            && labels.Count == image.Labels.Count
            && labels.All(p => image.Labels.TryGetValue(p.Key, out var v) && v == p.Value);
    }

    private async Task<Dictionary<Digest, DockerArchiveImage>> SaveAsync(IReadOnlyList<StageSource> stages, HashSet<long> storedSizes, ExportResult result, CancellationToken cancellationToken)
    {
        var ids = stages.Select(s => s.Image.Id.Value).Distinct().ToList();

        // docker save sends every layer of the images once; their sizes are known only as they arrive.
        var layerIds = stages.SelectMany(s => s.Image.Layers).ToHashSet();
        using var transfer = progress?.Start("saving", "saved", null, layerIds.Count);
        var sink = new StoreSink(store.Blobs, store.Policy, _layers, storedSizes, result, transfer, layerIds);
        await using var archive = await engine.SaveImagesAsync(ids, cancellationToken);
        var counted = transfer is null ? archive : new ProgressStream(archive, transfer);
        var contents = await DockerArchiveReader.ReadAsync(counted, sink, cancellationToken);
        transfer?.Complete();
        return contents.GetImages().GroupBy(i => i.ConfigDigest).ToDictionary(g => g.Key, g => g.First());
    }

    private async Task<HashSet<Digest>> MissingLayersAsync(Dictionary<Digest, DockerArchiveImage> images, CancellationToken cancellationToken)
    {
        var missing = new HashSet<Digest>();
        foreach (var layer in images.Values.SelectMany(i => i.Layers))
        {
            if (await _layers.FindAsync(layer.DiffId, cancellationToken) is null)
            {
                missing.Add(layer.DiffId.Digest);
            }
        }

        return missing;
    }

    /// <summary>
    /// Stages the engine can push to the bridge faster than it can export them (see
    /// <see cref="StagePusher.PushIsFaster"/>), pushed and written; the rest are exported. Only where the
    /// engine knows digests of the store's layers (the bridged layers: it pulled them through the bridge in this run), or every stored
    /// layer would be compressed and sent again. A push that fails leaves its stage and the rest to the export.
    /// </summary>
    private async Task<List<StageSource>> PushWhereFasterAsync(List<StageSource> stages, ExportResult result, CancellationToken cancellationToken)
    {
        var done = new List<StageSource>();
        if (bridge is null || bridged is not { Count: > 0 })
        {
            return done;
        }

        var inflates = bridge.Inflates(store);

        var chosen = new List<StageSource>();
        foreach (var stage in stages)
        {
            long stored = 0, resent = 0;
            foreach (var diffId in stage.Image.Layers.Distinct())
            {
                if (await _layers.FindAsync(DiffId.FromDigest(diffId), cancellationToken) is { } layer)
                {
                    // A compressed layer that does not say its tar size counts at its stored size: an underestimate of what a push resends.
                    var size = layer.TarSize ?? layer.Stored.Size;
                    stored += size;

                    // A bridge that inflates answers for a layer only by its tar size: one without is sent again.
                    resent += bridged.Contains(diffId) && (!inflates || layer.TarSize is not null) ? 0 : size;
                }
            }

            if (StagePusher.PushIsFaster(stage.Image.Size, Math.Max(0, stage.Image.Size - stored) + resent))
            {
                chosen.Add(stage);
            }
        }

        if (chosen.Count == 0)
        {
            return done;
        }

        await using var running = await bridge.StartAsync(store, cancellationToken);
        foreach (var stage in chosen)
        {
            // The layers the engine may name by DiffId (pulled through the restore's bridge): present, not sent.
            var offered = new List<LayerRecord>();
            foreach (var diffId in stage.Image.Layers.Distinct())
            {
                if (await _layers.FindAsync(DiffId.FromDigest(diffId), cancellationToken) is { } layer)
                {
                    offered.Add(layer);
                }
            }

            running.Offer(offered);
        }

        foreach (var stage in chosen)
        {
            try
            {
                var (configBytes, config) = await StagePusher.PushAsync(engine, store, running, stage, done.Count + 1, _layers, result, cancellationToken);
                result.Stages.Add(await WriteImageAsync(stage.Stage, configBytes, stage.Image.Id, config.DiffIds, config.Platform, result, cancellationToken));
                result.StagesPushed++;
                done.Add(stage);
            }
            catch (DockerEngineException e)
            {
                log?.Invoke($"save: the engine could not push stage {stage.Stage} to the bridge ({CacheRun.OneLine(e)}); exporting it instead");
                break;
            }
        }

        return done;
    }

    private async Task<StageImage> WriteImageAsync(string stage, ReadOnlyMemory<byte> configContent, Digest configDigest, IReadOnlyList<DiffId> diffIds, Platform? platform, ExportResult result, CancellationToken cancellationToken)
    {
        var config = await store.Blobs.WriteAsync(new MemoryStream(configContent.ToArray(), writable: false), configDigest, configContent.Length, cancellationToken);
        var layers = new List<Descriptor>();
        foreach (var diffId in diffIds)
        {
            var stored = await _layers.FindAsync(diffId, cancellationToken)
                ?? throw new InvalidDataException($"layer {diffId} of stage {stage} is not in the store");
            layers.Add(stored.Stored);
        }

        var manifest = new ImageManifest
        {
            MediaType = MediaType.OciImageManifest,
            Config = new Descriptor { MediaType = MediaType.OciImageConfig, Digest = config.Digest, Size = config.Size },
            Layers = layers,
        };
        var document = OciJson.SerializeWithDigest(manifest);
        var written = await store.Blobs.WriteAsync(new MemoryStream(document.Content.ToArray(), writable: false), document.Digest, document.Content.Length, cancellationToken);
        result.BytesWritten += (config.Existed ? 0 : config.Size) + (written.Existed ? 0 : written.Size);
        return new StageImage
        {
            Name = stage,
            ManifestDigest = written.Digest,
            ManifestMediaType = MediaType.OciImageManifest,
            ManifestSize = written.Size,
            ConfigDigest = config.Digest,
            Size = config.Size + written.Size + layers.Sum(l => l.Size),
            Platform = platform,
        };
    }

    /// <summary>
    /// Layer tars are multiples of 512 bytes, so small ones (a COPY of one edited source file) often
    /// have the size of a stored one; guessing by size there would cost a second export. Below this
    /// size a layer is written to a temp file and kept only if its digest is new: cheap, and exact.
    /// </summary>
    private const long GuessBySizeFrom = 1024 * 1024;

    /// <summary>Streams layers into the blob store, skipping the ones it has.</summary>
    private sealed class StoreSink(IBlobStore blobs, BlobPolicy policy, LayerIndex index, HashSet<long> storedSizes, ExportResult result, TransferProgress? transfer, HashSet<Digest> layerIds) : IDockerArchiveSink
    {
        public async ValueTask<bool> ShouldConsumeAsync(DockerArchiveEntry entry, CancellationToken cancellationToken)
        {
            // A layer of the OCI form (Docker 25+) is a blob named by its DiffId (layers are not compressed there).
            if (entry.Kind == DockerArchiveEntryKind.Layer || (entry.Kind == DockerArchiveEntryKind.Blob && entry.BlobDigest is { } blob && layerIds.Contains(blob)))
            {
                transfer?.LayerStarted();
            }

            return entry.Kind switch
            {
                DockerArchiveEntryKind.Layer => true,
                DockerArchiveEntryKind.Blob => entry.BlobDigest is not { } digest
                    || (layerIds.Contains(digest) ? await index.FindAsync(DiffId.FromDigest(digest), cancellationToken) is null : !await blobs.ExistsAsync(digest, cancellationToken)),
                _ => false,
            };
        }

        public async Task ConsumeAsync(DockerArchiveEntry entry, Stream content, CancellationToken cancellationToken)
        {
            result.BytesExported += entry.Size;
            if (entry.Kind == DockerArchiveEntryKind.Layer && entry.Size >= GuessBySizeFrom && storedSizes.Contains(entry.Size))
            {
                // Most likely a layer the store has: let the reader hash it as it drains.
                return;
            }

            var isLayer = entry.Kind == DockerArchiveEntryKind.Layer || (entry.BlobDigest is { } blob && layerIds.Contains(blob));
            if (isLayer)
            {
                // Both identities in one pass; an uncompressed store writes exactly the tar (stored digest = DiffId).
                var expected = entry.BlobDigest is { } digest ? DiffId.FromDigest(digest) : (DiffId?)null;
                var ingested = await LayerIngester.IngestAsync(blobs, policy.LayerCompression, content, expected, entry.Size, cancellationToken);
                index.Add(ingested.Layer);
                if (!ingested.Existed)
                {
                    // Keyed by DiffId, as the engine names layers (the same digest when stored uncompressed).
                    result.NewBlobs[ingested.Layer.DiffId.Digest] = ingested.Layer.Stored.Size;
                }

                return;
            }

            var written = await blobs.WriteAsync(content, entry.BlobDigest, entry.Size, cancellationToken);
            if (!written.Existed)
            {
                result.NewBlobs[written.Digest] = written.Size;
            }
        }
    }
}
