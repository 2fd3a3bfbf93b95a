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
    /// <summary>The inputs digest of the build and the stage whose image it stands for (the target's).</summary>
    internal sealed record InputsRecord(Oci.Digest Digest, string TargetStage);

    public static async Task<SaveReport> SaveAsync(CacheRun run, IReadOnlyDictionary<string, string> stageTags, IReadOnlyDictionary<string, double> stepSeconds, CancellationToken cancellationToken, InputsRecord? inputs = null)
    {
        var clock = Stopwatch.StartNew();
        if (Refusal(run.Scopes, run.EngineAvailable) is { } refusal)
        {
            run.Log($"not saving: {refusal}");
            return new SaveReport { SkippedReason = refusal, Seconds = clock.Elapsed.TotalSeconds };
        }

        var image = ImageIdentity.ForBuild(run.Options.Context, run.Options.Dockerfile, run.Options.Target, run.Options.Platform);
        var signer = EntrySigning.FromEnvironment(run.Options.Environment);

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
                var stageImage = await run.Engine.InspectImageAsync(tag, cancellationToken);
                if (stageImage is null)
                {
                    run.Warn($"stage {stage}: image {tag} is not in the engine; it is not saved");
                    continue;
                }

                sources.Add(new StageSource(stage, stageImage));
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
                export = await new StageImageExporter(run.Engine, store, run.Options.Progress, run.Options.Bridge, run.BridgedLayers, run.Log).ExportAsync(sources, entries, cancellationToken);
                // Recorded only when the target's image was saved: the digest stands for that image.
                var recorded = inputs is not null && export.Stages.Any(s => s.Name == inputs.TargetStage) ? inputs : null;
                unchangedAs = Unchanged(entries, run.Scopes.Write, image, run.Key, export.Stages, run.Clock.GetUtcNow(), signer, recorded?.Digest);
                if (unchangedAs is not null)
                {
                    // Nothing new: writing another entry would only change SUMMARY and make the CI
                    // upload an identical cache again.
                    if (store is IEntryUsageRecorder usage)
                    {
                        await usage.MarkUsedAsync(unchangedAs.Id, run.Clock.GetUtcNow(), cancellationToken);
                    }
                }
                else
                {
                    written = await store.PutEntryAsync(NewEntry(run, image, export.Stages) with { StepSeconds = stepSeconds, InputsDigest = recorded?.Digest, InputsTarget = recorded?.TargetStage }, cancellationToken);
                    if (signer is not null && store is IEntrySignatureStore signatures)
                    {
                        // Beside the entry, bound to its digest: a crash before this line leaves an
                        // unsigned entry, which keyed builds pass over (a miss, never a wrong hit).
                        await signatures.SignEntryAsync(written.Id, signer.Sign(written), cancellationToken);
                    }
                }
            }

            // A store without retention (a registry that refuses deletes) keeps everything; its own GC decides.
            var prune = store is IPrunableCacheStore prunable
                ? await prunable.PruneAsync(run.Options.Retention with { ProtectedScope = run.Scopes.Write, ProtectedImage = image }, run.Clock.GetUtcNow(), cancellationToken)
                : PruneReport.NotPruned;
            foreach (var note in prune.Warnings)
            {
                // Retention the store could not apply (a registry refusing deletes) is the store's setup, not a cache failure.
                run.Log($"warning: {note}");
            }
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
                StagesPushed = export.StagesPushed,
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

    /// <summary>
    /// Why this run must not save, or null: a pull request aimed at a scope others read (see
    /// <see cref="Scopes.ScopePlan.WriteRefusal"/>) is refused before anything is exported or opened.
    /// </summary>
    internal static string? Refusal(Scopes.ScopePlan scopes, bool engineAvailable) =>
        scopes.WriteRefusal ?? (engineAvailable ? null : "the docker engine is unreachable");

    /// <summary>
    /// The stored entry that already holds exactly this build (the newest valid entry of the scope and
    /// image, with the same key and stage manifests), or null when a new entry must be written. With a
    /// signing key, only an entry signed with it counts: an unsigned twin is replaced by a signed entry.
    /// </summary>
    /// <remarks>
    /// The inputs digest counts too: a build whose context changed in a file no step reads makes the same
    /// stage images, and without a new entry recording its digest every later run would miss the shortcut.
    /// </remarks>
    internal static CacheEntry? Unchanged(
        IReadOnlyList<CacheEntry> entries, CacheScope scope, ImageIdentity image, Oci.Digest key, IReadOnlyList<StageImage> stages, DateTimeOffset now, EntrySigner? signer, Oci.Digest? inputs = null)
    {
        var newest = entries
            .Where(e => e.Scope == scope && e.Image == image && !EntryDates.IsInFuture(e.Created, now))
            .OrderByDescending(e => e.Created)
            .ThenBy(e => e.Id)
            .FirstOrDefault();
        return newest is not null && newest.Key == key && SameStages(newest.Stages, stages) && (signer is null || signer.IsSignedBy(newest))
            && (inputs is null || newest.InputsDigest == inputs)
            ? newest
            : null;
    }

    private static bool SameStages(IReadOnlyList<StageImage> a, IReadOnlyList<StageImage> b) =>
        a.Count == b.Count && a.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => (s.Name, s.ManifestDigest))
            .SequenceEqual(b.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => (s.Name, s.ManifestDigest)));

    private static CacheEntry NewEntry(CacheRun run, ImageIdentity image, IReadOnlyList<StageImage> stages) => new()
    {
        Scope = run.Scopes.Write,
        Image = image,
        Created = run.Clock.GetUtcNow(),
        Key = run.Key,
        Stages = stages,
        BaseImages = run.BaseImages.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.Value, StringComparer.Ordinal),
        BaseImageManifests = run.BaseImageManifests.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.Value, StringComparer.Ordinal),
        DockerfileDigest = run.Dockerfile.Digest,
        KeyFiles = run.KeyInputs.KeyFiles,
        Builder = run.KeyInputs.Builder,
        Target = run.Dockerfile.Plan.Target.DisplayName,
    };
}
