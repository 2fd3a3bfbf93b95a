using LayerCache.Core.Progress;
using LayerCache.Core.Reports;
using LayerCache.Docker;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// Restores stage images by letting the engine pull them from the store through the bridge (an
/// in-process registry on the loopback interface). What it moves is what a <c>docker load</c> would
/// move, at about the same rate; what it adds is that the engine now knows each layer's digest in
/// the store, so the save after the build lets the engine push the stage images back and send only
/// their new layers, instead of exporting whole images (<see cref="StagePusher"/>). The archive
/// transport stays where the pull would cost more or could not be guarded (see <see cref="WhyNot"/>),
/// and wherever the engine cannot reach the bridge (a remote engine, another network namespace).
/// </summary>
internal static class StagePuller
{
    /// <summary>A stage image to restore, as <see cref="StageImageLoader"/> read it from the store (with the bytes of its config and manifest).</summary>
    internal sealed record Plan(StageImage Stage, ImageConfig Config, ImageManifest Manifest, string Tag, Descriptor ManifestDescriptor)
    {
        /// <summary>The config blob, as stored.</summary>
        public ReadOnlyMemory<byte> ConfigBytes { get; init; }

        /// <summary>The manifest blob, as stored.</summary>
        public ReadOnlyMemory<byte> ManifestBytes { get; init; }
    }

    /// <summary>
    /// Layer bytes the engine already has that a pull may fetch again (a pull knows a layer only by a
    /// digest it saw before; a load skips any layer whose ChainID is present): tolerated up to this
    /// much, or a tenth of what is restored.
    /// </summary>
    internal const long RefetchAllowance = 32L * 1024 * 1024;

    /// <summary>The user name the engine presents with the bridge's token.</summary>
    internal const string BridgeUser = "layercache";

    /// <summary>
    /// Pulls every plan it can; returns the stages pulled (none when the bridge is off, not worth it
    /// or unreachable, and the caller loads them). A blob that failed on its way out of the bridge (the
    /// layer guard refused it, or it does not match its digest) is thrown, as a load would throw it: the
    /// entry is damaged, and what the other pulls brought is removed again.
    /// </summary>
    public static async Task<HashSet<string>> PullAsync(
        IDockerEngine engine, ICacheStore store, IStoreBridgeHost? host, IReadOnlyList<Plan> plans, HashSet<Digest> present,
        LoadOutcome outcome, ProgressReporter? progress, Action<string> log, CancellationToken cancellationToken)
    {
        var pulled = new HashSet<string>(StringComparer.Ordinal);
        if (host is null || plans.Count == 0)
        {
            return pulled;
        }

        var inflates = host.Inflates(store);
        if (WhyNot(plans, present, inflates) is { } reason)
        {
            log($"restore: loading the stage images ({reason})");
            return pulled;
        }

        var (bytes, count, moving) = ToMove(plans, present, inflates);
        await using var bridge = await host.StartAsync(store, cancellationToken);
        var references = new string[plans.Count];
        for (var p = 0; p < plans.Count; p++)
        {
            // Pulled by the digest the bridge gives: the stored manifest's, or that of one it made for the engine.
            var plan = plans[p];
            var layers = BridgeManifest.Layers(plan.Stage, plan.Manifest, plan.Config);
            var digest = await bridge.ExposeAsync(new SerializedDocument(plan.ManifestDescriptor.MediaType, plan.ManifestBytes), plan.ConfigBytes, layers, cancellationToken);
            references[p] = $"{bridge.Repository}@{digest}";
        }

        var credentials = Credentials(bridge);
        using var transfer = progress?.Start("restoring", "restored", bytes, count);
        var pulling = transfer is null ? null : new PullProgress(transfer, moving);
        // All at once: the engine fetches a layer shared by several images once, and downloads while it extracts.
        var failures = await Task.WhenAll(references.Select(async reference =>
        {
            try
            {
                await engine.PullImageAsync(reference, credentials, pulling, cancellationToken);
                return null;
            }
            catch (DockerEngineException e)
            {
                return e;
            }
        }));
        if (bridge.ContentFailure is { } damaged)
        {
            // The engine was cut off before the bad blob completed, so it registered nothing of it;
            // what the other pulls brought goes too, as a refused load registers nothing at all.
            for (var p = 0; p < plans.Count; p++)
            {
                if (failures[p] is null)
                {
                    await ForgetAsync(engine, references[p]);
                }
            }

            throw damaged;
        }

        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            log(failures.All(f => f is not null)
                ? $"restore: the engine cannot pull from the bridge ({CacheRun.OneLine(failure)}); loading the stage images instead"
                : $"restore: pulling from the bridge failed for some stages ({CacheRun.OneLine(failure)}); loading them");
        }

        var sent = new HashSet<DiffId>();
        for (var p = 0; p < plans.Count; p++)
        {
            var plan = plans[p];
            if (failures[p] is not null)
            {
                continue;
            }

            await engine.TagImageAsync(plan.Manifest.Config.Digest.Value, plan.Tag, cancellationToken);

            // The pull's name goes (the port is this run's; a name kept would hold the image after its stage tag moves on).
            await ForgetAsync(engine, references[p]);
            var chainIds = ChainId.ComputeAll(plan.Config.DiffIds);
            var sizes = SizesOf(plan, inflates);
            int loaded = 0, skipped = 0;
            long moved = 0;
            for (var i = 0; i < plan.Config.DiffIds.Count; i++)
            {
                if (present.Contains(chainIds[i].Digest) || !sent.Add(plan.Config.DiffIds[i]))
                {
                    skipped++;
                    continue;
                }

                loaded++;
                moved += sizes[i];
            }

            outcome.Stages.Add(new RestoredStage(plan.Stage.Name, plan.Tag, loaded, skipped, moved));
            outcome.LayersLoaded += loaded;
            outcome.LayersSkipped += skipped;
            outcome.BytesLoaded += moved;
            outcome.PulledLayers.UnionWith(plan.Config.DiffIds.Select(d => d.Digest));
            pulled.Add(plan.Stage.Name);
        }

        if (transfer is not null && transfer.Bytes < bytes)
        {
            // The engine's last counter of a layer may stop short of its size.
            transfer.Add(bytes - transfer.Bytes);
        }

        transfer?.Complete();
        return pulled;
    }

    /// <summary>Removes a name the pull gave; the image goes with it unless another name holds it.</summary>
    private static async Task ForgetAsync(IDockerEngine engine, string reference)
    {
        try
        {
            await engine.RemoveImageAsync(reference, force: false, CancellationToken.None);
        }
        catch (DockerEngineException)
        {
            // A container uses the image, or the name is gone already: nothing of the cache depends on it.
        }
    }

    /// <summary>How the engine authenticates to <paramref name="bridge"/>.</summary>
    internal static RegistryCredentials Credentials(IStoreBridge bridge) => new()
    {
        Username = BridgeUser,
        Password = bridge.Token,
        ServerAddress = bridge.Repository[..bridge.Repository.IndexOf('/', StringComparison.Ordinal)],
    };

    /// <summary>
    /// Why these images are loaded rather than pulled, or null when the pull is the better transport.
    /// With <paramref name="inflates"/> (a bridge that inflates, <see cref="IStoreBridgeHost.Inflates"/>)
    /// each layer is served as a plain tar of its recorded size; otherwise as stored, so only plain tars qualify.
    /// </summary>
    internal static string? WhyNot(IReadOnlyList<Plan> plans, HashSet<Digest> present, bool inflates = false)
    {
        long total = 0, refetched = 0;
        var seen = new HashSet<DiffId>();
        foreach (var plan in plans)
        {
            if (inflates)
            {
                if (BridgeManifest.Layers(plan.Stage, plan.Manifest, plan.Config).Select(BridgeManifest.WhyNotServable).FirstOrDefault(why => why is not null) is { } why)
                {
                    return $"stage {plan.Stage.Name}: {why}";
                }
            }

            var chainIds = ChainId.ComputeAll(plan.Config.DiffIds);
            var sizes = SizesOf(plan, inflates);
            for (var i = 0; i < plan.Config.DiffIds.Count; i++)
            {
                var layer = plan.Manifest.Layers[i];
                if (!inflates && (layer.Digest != plan.Config.DiffIds[i].Digest || !MediaType.TryGetLayerCompression(layer.MediaType, out var compression) || compression != LayerCompression.None))
                {
                    // The engine inflates what it pulls, unbounded: only plain tars go that way (a load inflates them here, bounded).
                    return $"stage {plan.Stage.Name} has a compressed layer";
                }

                if (seen.Add(plan.Config.DiffIds[i]))
                {
                    var size = sizes[i];
                    total += size;
                    refetched += present.Contains(chainIds[i].Digest) ? size : 0;
                }
            }
        }

        return refetched > RefetchAllowance && refetched > total / 10
            ? $"the engine has {Durations.Bytes(refetched)} of their {Durations.Bytes(total)} of layers, which a pull would fetch again"
            : null;
    }

    /// <summary>
    /// What a restore moves (a pull or a load): bytes, layers the engine lacks, each once, and their short
    /// ids as the engine's progress of a pull names them (their DiffIds: a bridge serves plain tars).
    /// </summary>
    internal static (long Bytes, int Count, HashSet<string> ShortIds) ToMove(IReadOnlyList<Plan> plans, HashSet<Digest> present, bool inflates = false)
    {
        long bytes = 0;
        var count = 0;
        var seen = new HashSet<DiffId>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in plans)
        {
            var chainIds = ChainId.ComputeAll(plan.Config.DiffIds);
            var sizes = SizesOf(plan, inflates);
            for (var i = 0; i < plan.Config.DiffIds.Count; i++)
            {
                if (!present.Contains(chainIds[i].Digest) && seen.Add(plan.Config.DiffIds[i]))
                {
                    bytes += sizes[i];
                    count++;
                    ids.Add(plan.Config.DiffIds[i].Digest.Hex[..12]);
                }
            }
        }

        return (bytes, count, ids);
    }

    /// <summary>
    /// The bytes of each layer the engine receives: its tar's recorded size when the bridge inflates it
    /// (checked by <see cref="WhyNot"/> before), else its stored size.
    /// </summary>
    private static long[] SizesOf(Plan plan, bool inflates)
    {
        var layers = inflates ? BridgeManifest.Layers(plan.Stage, plan.Manifest, plan.Config) : null;
        return [.. plan.Manifest.Layers.Select((layer, i) => layers?[i].TarSize ?? layer.Size)];
    }

    /// <summary>
    /// The engine's per-layer download counters, summed into one transfer line: only the layers the
    /// restore moves count (a pull may also fetch again a layer the engine has, see <see cref="RefetchAllowance"/>).
    /// </summary>
    private sealed class PullProgress(TransferProgress transfer, HashSet<string> moving) : IProgress<JsonMessage>
    {
        private readonly Dictionary<string, long> _current = new(StringComparer.Ordinal);

        private readonly Lock _lock = new();
        private readonly HashSet<string> _started = new(StringComparer.Ordinal);

        public void Report(JsonMessage value)
        {
            if (value.Id is not { } id || !moving.Contains(id))
            {
                return;
            }

            lock (_lock)
            {
                Count(id, value);
            }
        }

        private void Count(string id, JsonMessage value)
        {
            if (value.Status == "Pulling fs layer" && _started.Add(id))
            {
                transfer.LayerStarted();
            }
            else if (value.Status == "Downloading" && value.Current is { } current)
            {
                var before = _current.GetValueOrDefault(id);
                if (current > before)
                {
                    _current[id] = current;
                    transfer.Add(current - before);
                }
            }
        }
    }
}
