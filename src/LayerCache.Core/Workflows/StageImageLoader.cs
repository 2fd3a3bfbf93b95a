using System.IO.Pipelines;
using LayerCache.Core.Progress;
using LayerCache.Core.Reports;
using LayerCache.Docker;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// Loads an entry's stage images into the engine as one streamed <c>docker load</c>, leaving out
/// every layer the engine already has (dockerd opens a layer file only when its ChainID is missing)
/// and every image it already has. Each blob is read through a verifying stream and a
/// <see cref="LayerContentGuardStream"/>: a corrupt layer, or one the engine would inflate (compressed,
/// sparse), aborts the load before <c>manifest.json</c> (the last entry) is sent, so the engine
/// registers nothing from it. A layer stored gzip-compressed (a registry's <see cref="BlobPolicy"/>)
/// is inflated here, never by the engine: through an <see cref="InflatedLayerStream"/> (stored digest,
/// gzip CRC, the guard, the DiffId, a stated inflation bound) into a private spool file, since
/// <c>docker load</c> needs each layer's size before its bytes; the engine still gets plain tars. The bytes read from the store are counted into <paramref name="progress"/>'s lines.
/// </summary>
internal sealed class StageImageLoader(IDockerEngine engine, ICacheStore store, ProgressReporter? progress = null, IStoreBridgeHost? bridge = null, Action<string>? log = null)
{
    public async Task<LoadOutcome> LoadAsync(CacheEntry entry, Func<string, string> tagFor, CancellationToken cancellationToken)
    {
        var plans = new List<StagePuller.Plan>();
        foreach (var stage in entry.Stages)
        {
            var manifestBytes = await ReadSmallBlobAsync(stage.ManifestDigest, cancellationToken);
            var manifest = OciJson.DeserializeManifest(manifestBytes, stage.ManifestDigest.Value);
            var manifestDescriptor = new Descriptor { MediaType = manifest.MediaType ?? MediaType.OciImageManifest, Digest = stage.ManifestDigest, Size = manifestBytes.Length };
            var configBytes = await ReadSmallBlobAsync(manifest.Config.Digest, cancellationToken);
            var config = OciJson.DeserializeConfig(configBytes, manifest.Config.Digest.Value);
            if (config.DiffIds.Count != manifest.Layers.Count)
            {
                throw new InvalidDataException($"stage {stage.Name}: manifest {stage.ManifestDigest} has {manifest.Layers.Count} layers but its config lists {config.DiffIds.Count}");
            }

            // Before anything is sent: a layer this version cannot restore fails the whole load up front.
            foreach (var layer in manifest.Layers)
            {
                CompressionOf(layer, stage.Name);
            }

            plans.Add(new StagePuller.Plan(stage, config, manifest, tagFor(stage.Name), manifestDescriptor) { ConfigBytes = configBytes, ManifestBytes = manifestBytes });
        }

        var outcome = new LoadOutcome();
        var toLoad = new List<StagePuller.Plan>();
        foreach (var plan in plans)
        {
            if (await engine.InspectImageAsync(plan.Manifest.Config.Digest.Value, cancellationToken) is not null)
            {
                // The engine has this very image (same id): a tag is all it needs.
                await engine.TagImageAsync(plan.Manifest.Config.Digest.Value, plan.Tag, cancellationToken);
                outcome.Stages.Add(new RestoredStage(plan.Stage.Name, plan.Tag, 0, plan.Manifest.Layers.Count, 0));
                outcome.LayersSkipped += plan.Manifest.Layers.Count;
            }
            else
            {
                toLoad.Add(plan);
            }
        }

        if (toLoad.Count > 0)
        {
            // Only when something is loaded: it inspects every image in the engine, one round trip
            // each (dozens on a runner that kept a classic build's intermediates: most of a no-op's restore).
            var present = await EngineChainIdsAsync(cancellationToken);
            var pulled = await StagePuller.PullAsync(engine, store, bridge, toLoad, present, outcome, progress, log ?? (_ => { }), cancellationToken);
            if (pulled.Count > 0)
            {
                // What the bridge could not bring (it stopped being reachable partway) is loaded; the pulled layers are present now.
                toLoad.RemoveAll(p => pulled.Contains(p.Stage.Name));
                present = toLoad.Count > 0 ? await EngineChainIdsAsync(cancellationToken) : present;
            }

            if (toLoad.Count > 0)
            {
                await StreamLoadAsync(toLoad, present, outcome, cancellationToken);
            }
        }

        // Shortest history first: the classic builder takes the first --cache-from image whose history
        // matches a step and, when that step is not the image's last, keeps only that image for the
        // rest of the stage (moby daemon/images/cache.go). Listed longest first, a stage was bound to a
        // later stage built on it (its own image then rebuilt as a new id) or to a sibling with the same
        // first steps (every step after them missed). An image that ends at the step wins and binds nothing.
        foreach (var plan in plans.OrderBy(p => p.Config.History?.Count ?? 0))
        {
            if (await engine.InspectImageAsync(plan.Tag, cancellationToken) is null)
            {
                throw new InvalidDataException($"stage {plan.Stage.Name}: the engine did not load {plan.Tag}");
            }

            outcome.CacheFrom.Add(plan.Tag);
        }

        return outcome;
    }

    private async Task StreamLoadAsync(
        List<StagePuller.Plan> toLoad,
        HashSet<Digest> present,
        LoadOutcome outcome,
        CancellationToken cancellationToken)
    {
        // Few, large segments: the shared array pool keeps only a few dozen arrays of a size, so a
        // pipe holding thousands of 4 KiB segments allocated a new array for nearly every byte moved
        // (360 MB of garbage for a 400 MB restore, and a gen0 heap that pushed RSS past 150 MB).
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, minimumSegmentSize: 64 * 1024));
        using var cancelBoth = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var transfer = progress?.Start("restoring", "restored", LayersToSend(toLoad, present, out var layerCount), layerCount);

        async Task WriteAsync()
        {
            try
            {
                await using var output = pipe.Writer.AsStream(leaveOpen: true);
                await using var writer = new DockerArchiveWriter(output, leaveOpen: true);
                var written = new HashSet<DiffId>();
                foreach (var plan in toLoad)
                {
                    await writer.WriteConfigAsync(plan.ConfigBytes, cancelBoth.Token);
                    var chainIds = ChainId.ComputeAll(plan.Config.DiffIds);
                    int loaded = 0, skipped = 0;
                    long bytes = 0;
                    for (var i = 0; i < plan.Config.DiffIds.Count; i++)
                    {
                        var diffId = plan.Config.DiffIds[i];
                        if (present.Contains(chainIds[i].Digest) || written.Contains(diffId))
                        {
                            skipped++;
                            continue;
                        }

                        var layer = plan.Manifest.Layers[i];
                        await using var content = await store.Blobs.OpenReadAsync(layer.Digest, cancelBoth.Token);
                        transfer?.LayerStarted();
                        if (CompressionOf(layer, plan.Stage.Name) == LayerCompression.Gzip)
                        {
                            // Inflated here, never by the engine: the engine gets the plain tar.
                            await using var verified = new VerifyingStream(content, layer.Digest, layer.Size, "blob " + layer.Digest, leaveOpen: true);
                            var read = transfer is null ? (Stream)verified : new ProgressStream(verified, transfer);
                            if (RecordedTarSize(plan.Stage, layer) is { } tarSize)
                            {
                                // The entry records the tar's size, which the archive's header needs first:
                                // inflated straight into the archive, so inflating overlaps the engine's
                                // extraction and no spool file is written. Checked as the spool is (digest,
                                // CRC, DiffId, bound), and a wrong recorded size fails the archive; docker
                                // load registers nothing before the archive's end, so a layer failing at
                                // its end fails the whole load, as a spooled one does.
                                await using var inflated = new InflatedLayerStream(read, layer.Digest, diffId, InflationBound(layer.Size), "blob " + layer.Digest, leaveOpen: true);
                                await writer.WriteLayerAsync(diffId, inflated, tarSize, cancelBoth.Token);
                            }
                            else
                            {
                                await using var spool = await InflateToSpoolAsync(read, layer, diffId, cancelBoth.Token);
                                await writer.WriteLayerAsync(diffId, spool, spool.Length, cancelBoth.Token);
                            }
                        }
                        else
                        {
                            // The engine inflates a compressed layer and expands sparse tar entries: the
                            // guard refuses both, so the engine writes no more than the bytes we send.
                            await using var guarded = new LayerContentGuardStream(content, layer.Digest, "blob " + layer.Digest, leaveOpen: true);
                            var counted = transfer is null ? (Stream)guarded : new ProgressStream(guarded, transfer);
                            await writer.WriteLayerAsync(diffId, counted, layer.Size, cancelBoth.Token);
                        }

                        written.Add(diffId);
                        loaded++;
                        bytes += layer.Size;
                    }

                    writer.AddImage(plan.Manifest.Config.Digest, plan.Config.DiffIds, [ImageReference.Parse(plan.Tag)]);
                    outcome.Stages.Add(new RestoredStage(plan.Stage.Name, plan.Tag, loaded, skipped, bytes));
                    outcome.LayersLoaded += loaded;
                    outcome.LayersSkipped += skipped;
                    outcome.BytesLoaded += bytes;
                }

                await writer.CompleteAsync(cancelBoth.Token);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                // The engine's side sees a broken upload and discards everything it received.
                await pipe.Writer.CompleteAsync(e);
                await cancelBoth.CancelAsync();
                throw;
            }
        }

        async Task ReadAsync()
        {
            await using var input = pipe.Reader.AsStream();
            await engine.LoadImagesAsync(input, null, cancelBoth.Token);
        }

        var writing = WriteAsync();
        var reading = ReadAsync();
        try
        {
            await Task.WhenAll(writing, reading);
            transfer?.Complete();
        }
        catch when (writing.IsFaulted)
        {
            // The writer's failure (say, a digest mismatch) is the cause; the engine's is its echo.
            await writing;
            throw;
        }
    }

    /// <inheritdoc cref="InflatedLayerStream.BoundFor"/>
    internal static long InflationBound(long storedSize) => InflatedLayerStream.BoundFor(storedSize);

    /// <inheritdoc cref="InflatedLayerStream.MaxInflationRatio"/>
    internal const long MaxInflationRatio = InflatedLayerStream.MaxInflationRatio;

    /// <summary>Free space the spool leaves on its filesystem: inflating a layer must not make the build that follows fail on a full disk.</summary>
    internal const long SpoolReserve = 512L * 1024 * 1024;

    /// <summary>
    /// The compression of a stored layer, from its media type; refuses what this version cannot restore
    /// (an unknown media type, zstd) with the reason, before any byte is sent.
    /// </summary>
    /// <exception cref="StoreUnsupportedException">The layer's media type is not a plain tar or gzip.</exception>
    internal static LayerCompression CompressionOf(Descriptor layer, string stage)
    {
        if (!MediaType.TryGetLayerCompression(layer.MediaType, out var compression))
        {
            throw new StoreUnsupportedException($"stage {stage}: layer {layer.Digest} has media type \"{layer.MediaType}\", which this version does not restore (plain tar or gzip layers only)");
        }

        if (compression == LayerCompression.Zstd)
        {
            throw new StoreUnsupportedException($"stage {stage}: layer {layer.Digest} is zstd-compressed, which is not restored: the engine here (dockerd 20.10) cannot pull zstd layers, so layercache keeps gzip");
        }

        return compression;
    }

    /// <summary>
    /// The inflated size the entry records for a compressed <paramref name="layer"/> of <paramref name="stage"/>
    /// (<see cref="StoreAnnotations.LayerTarSize"/>), or null when it records none (an older entry).
    /// Untrusted like the rest of the entry: the archive fails if the content disagrees.
    /// </summary>
    internal static long? RecordedTarSize(StageImage stage, Descriptor layer) =>
        stage.Layers.FirstOrDefault(l => l.Stored.Digest == layer.Digest)?.TarSize;

    /// <summary>
    /// Inflates a gzip layer into a private temporary file and returns it open at its start (deleted on
    /// close): <c>docker load</c> needs a layer's size in its tar header before its bytes, and only the
    /// inflation tells it. The content is verified on the way (stored digest and size, gzip CRC, the
    /// tar guard, the DiffId, the inflation bound), so the file holds exactly the layer the config names.
    /// </summary>
    private static async Task<FileStream> InflateToSpoolAsync(Stream compressed, Descriptor layer, DiffId diffId, CancellationToken cancellationToken)
    {
        var directory = Path.GetTempPath();
        var budget = new DriveInfo(directory).AvailableFreeSpace - SpoolReserve;
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            // Private: the file is the layer the engine will be given, no one else may write it.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var spool = new FileStream(Path.Combine(directory, $"layercache-inflate-{diffId.Digest.Hex[..12]}-{Guid.NewGuid():N}"), options);
        try
        {
            await using var inflated = new InflatedLayerStream(compressed, layer.Digest, diffId, InflationBound(layer.Size), "blob " + layer.Digest, leaveOpen: true);
            var buffer = new byte[128 * 1024];
            long written = 0;
            int read;
            while ((read = await inflated.ReadAsync(buffer, cancellationToken)) > 0)
            {
                written += read;
                if (written > budget)
                {
                    // Not the blob's fault: no quarantine, a cold build.
                    throw new IOException($"inflating layer {layer.Digest} needs more than the {Math.Max(0, budget)} bytes free in {directory} (keeping {SpoolReserve} bytes free)");
                }

                await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            spool.Position = 0;
            return spool;
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
    }

    /// <summary>The bytes (and count) of the layers <see cref="StreamLoadAsync"/> will send: those the engine lacks, each once.</summary>
    private static long LayersToSend(
        List<StagePuller.Plan> toLoad,
        HashSet<Digest> present,
        out int count)
    {
        (var bytes, count, _) = StagePuller.ToMove(toLoad, present);
        return bytes;
    }

    private async Task<byte[]> ReadSmallBlobAsync(Digest digest, CancellationToken cancellationToken)
    {
        // Bounded: a stage manifest digest naming a layer must not be read whole into memory.
        await using var stream = await store.Blobs.OpenReadAsync(digest, cancellationToken);
        return await DocumentReader.ReadAsync(stream, digest.Value, cancellationToken);
    }

    /// <summary>Every ChainID the engine's layer store has, from the images it holds.</summary>
    private async Task<HashSet<Digest>> EngineChainIdsAsync(CancellationToken cancellationToken)
    {
        var present = new HashSet<Digest>();
        foreach (var summary in await engine.ListImagesAsync(new ImageListOptions { All = true }, cancellationToken))
        {
            if (await engine.InspectImageAsync(summary.Id.Value, cancellationToken) is { } image)
            {
                foreach (var chainId in ChainId.ComputeAll(image.Layers.Select(DiffId.FromDigest)))
                {
                    present.Add(chainId.Digest);
                }
            }
        }

        return present;
    }
}
