using System.Diagnostics;
using LayerCache.Core.Reports;
using LayerCache.Docker;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// Saves the stage images of a finished build as one entry of the run's scope, then applies
/// retention. Fails open: any problem is a warning and a skipped save, never a failed build.
/// </summary>
internal static class SaveStep
{
    public static async Task<SaveReport> SaveAsync(CacheRun run, IReadOnlyDictionary<string, string> stageTags, IReadOnlyDictionary<string, double> stepSeconds, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (!run.Scopes.CanWrite)
        {
            run.Log($"not saving: {run.Scopes.WriteRefusal}");
            return new SaveReport { SkippedReason = run.Scopes.WriteRefusal, Seconds = clock.Elapsed.TotalSeconds };
        }

        if (!run.EngineAvailable)
        {
            return new SaveReport { SkippedReason = "the docker engine is unreachable", Seconds = clock.Elapsed.TotalSeconds };
        }

        var store = await run.OpenStoreAsync(create: true, cancellationToken);
        if (store is null)
        {
            return new SaveReport { SkippedReason = "the cache store is unusable", Seconds = clock.Elapsed.TotalSeconds };
        }

        try
        {
            var sources = new List<StageSource>();
            foreach (var (stage, tag) in stageTags)
            {
                var image = await run.Engine.InspectImageAsync(tag, cancellationToken);
                if (image is null)
                {
                    run.Warn($"stage {stage}: image {tag} is not in the engine; it is not saved");
                    continue;
                }

                sources.Add(new StageSource(stage, image));
            }

            if (sources.Count == 0)
            {
                return new SaveReport { SkippedReason = "no stage images to save", Seconds = clock.Elapsed.TotalSeconds };
            }

            ExportResult export;
            CacheEntry? written = null;
            CacheEntry? unchangedAs = null;
            await using (await store.BeginWriteAsync(cancellationToken))
            {
                var entries = await store.ListEntriesAsync(cancellationToken);
                export = await new StageImageExporter(run.Engine, store).ExportAsync(sources, entries, cancellationToken);
                var newest = entries.Where(e => e.Scope == run.Scopes.Write).OrderByDescending(e => e.Created).FirstOrDefault();
                if (newest is not null && newest.Key == run.Key && SameStages(newest.Stages, export.Stages))
                {
                    // Nothing new: writing another entry would only change SUMMARY and make the CI
                    // upload an identical cache again.
                    unchangedAs = newest;
                    await store.MarkUsedAsync(newest.Id, run.Clock.GetUtcNow(), cancellationToken);
                }
                else
                {
                    written = await store.PutEntryAsync(NewEntry(run, export.Stages) with { StepSeconds = stepSeconds }, cancellationToken);
                }
            }

            var prune = await store.PruneAsync(run.Options.Retention with { ProtectedScope = run.Scopes.Write }, run.Clock.GetUtcNow(), cancellationToken);
            if (written is not null)
            {
                run.Log($"saved entry {written.RefName}: {export.LayersWritten} layer(s) written, {export.LayersSkipped} already stored");
            }

            return new SaveReport
            {
                Saved = written is not null,
                SkippedReason = unchangedAs is not null ? $"unchanged: entry {unchangedAs.RefName} already holds these stage images" : null,
                Entry = (written ?? unchangedAs)?.RefName,
                StagesExported = export.StagesExported,
                StagesReused = export.StagesReused,
                LayersWritten = export.LayersWritten,
                LayersSkipped = export.LayersSkipped,
                BytesWritten = export.BytesWritten,
                LayerBytesWritten = export.LayerBytesWritten,
                BytesExported = export.BytesExported,
                EntriesPruned = prune.EntriesRemoved.Count + prune.BrokenEntriesRemoved.Count,
                BytesPruned = prune.BytesFreed,
                StoreBytes = prune.BytesKept,
                Seconds = clock.Elapsed.TotalSeconds,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not CacheFailureException)
        {
            // Fail open: a cache that cannot be written must never fail the build that just succeeded.
            run.Warn($"saving the cache failed: {CacheRun.OneLine(e)}", e);
            return new SaveReport { SkippedReason = "save failed: " + CacheRun.OneLine(e), Seconds = clock.Elapsed.TotalSeconds };
        }
    }

    private static bool SameStages(IReadOnlyList<StageImage> a, List<StageImage> b) =>
        a.Count == b.Count && a.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => (s.Name, s.ManifestDigest))
            .SequenceEqual(b.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => (s.Name, s.ManifestDigest)));

    private static CacheEntry NewEntry(CacheRun run, IReadOnlyList<StageImage> stages) => new()
    {
        Scope = run.Scopes.Write,
        Created = run.Clock.GetUtcNow(),
        Key = run.Key,
        Stages = stages,
        BaseImages = run.BaseImages.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.Value, StringComparer.Ordinal),
        DockerfileDigest = run.Dockerfile.Digest,
        KeyFiles = run.KeyInputs.KeyFiles,
        Builder = run.KeyInputs.Builder,
        Target = run.Dockerfile.Plan.Target.DisplayName,
    };
}
