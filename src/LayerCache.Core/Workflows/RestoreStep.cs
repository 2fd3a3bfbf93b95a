using System.Diagnostics;
using System.Globalization;
using LayerCache.Core.Reports;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// Picks the newest usable entry of the image being built (own scope first, then the fallbacks) and
/// loads its stage images. An entry is passed over, with the reason reported, when it could not hit
/// (a base image changed, another builder made it) or must not (older than --max-age, so base-image
/// updates arrive; dated in the future; not signed with the build's key when it has one).
/// Fails open: any problem is a warning and a cold build.
/// </summary>
internal static class RestoreStep
{
    public static async Task<(RestoreReport Report, CacheEntry? Entry)> RestoreAsync(CacheRun run, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        (RestoreReport, CacheEntry?) Miss(params string[] reasons) => (new RestoreReport { Reasons = reasons, Seconds = clock.Elapsed.TotalSeconds }, null);

        if (!run.EngineAvailable)
        {
            return Miss("the docker engine is unreachable");
        }

        var store = await run.OpenStoreAsync(create: false, cancellationToken);
        if (store is null)
        {
            return Miss(CacheStoreFactory.MayExist(run.Options.Store) ? "the cache store is unusable" : $"no cache yet at {run.Options.Store}");
        }

        var reasons = new List<string>();
        try
        {
            // Every entry that could hit, best first: the own scope's newest, then older ones, then the fallbacks'.
            var candidates = new List<CacheEntry>();
            var image = ImageIdentity.ForBuild(run.Options.Context, run.Options.Dockerfile, run.Options.Target, run.Options.Platform);
            var signer = EntrySigning.FromEnvironment(run.Options.Environment);

            // Every scope's entries at once (a registry answers each with round trips), then weighed in order.
            var found = await Task.WhenAll(run.Scopes.Read.Select(scope => store.FindEntriesAsync(scope, cancellationToken)));
            foreach (var (scope, entries) in run.Scopes.Read.Zip(found))
            {
                var criteria = new RestoreCriteria(scope, image, run.Clock.GetUtcNow(), run.Options.MaxAge, run.BaseImages, run.KeyInputs.Builder, signer, run.BaseImageManifests);
                var ofImage = entries.Where(e => e.Image == image).ToList();
                if (ofImage.Count == 0)
                {
                    // Other images' entries are not candidates at all; one line says they exist.
                    var others = entries.Select(e => e.Image.ToString()).Distinct(StringComparer.Ordinal).ToList();
                    reasons.Add(others.Count == 0 ? $"scope {scope}: no entries" : $"scope {scope}: no entries of image {image} (only of {string.Join(", ", others)})");
                }

                foreach (var entry in ofImage)
                {
                    if (Rejection(entry, criteria) is { } why)
                    {
                        reasons.Add($"entry {entry.RefName}: {why}");
                        continue;
                    }

                    candidates.Add(entry);
                }
            }

            if (candidates.Count == 0)
            {
                run.Log("no usable cache entry: " + string.Join("; ", reasons));
                return Miss([.. reasons]);
            }

            // A damaged entry (a corrupt or missing blob) is passed over for the next one: an older
            // entry or the default branch's still makes a warm build. The engine registers nothing of
            // a load that was cut off, so the next attempt starts clean.
            var attempts = candidates.Take(MaxAttempts).ToList();
            for (var i = 0; i < attempts.Count; i++)
            {
                var chosen = attempts[i];
                run.Log($"restoring entry {chosen.RefName} of scope {chosen.Scope}");
                LoadOutcome loaded;
                try
                {
                    loaded = await new StageImageLoader(run.Engine, store, run.Options.Progress, run.Options.Bridge, run.Log).LoadAsync(chosen, run.StageTag, cancellationToken);
                }
                catch (Exception e) when (IsDamagedContent(e))
                {
                    var next = i + 1 < attempts.Count ? $"trying entry {attempts[i + 1].RefName}" : "building cold";
                    run.Warn($"cache entry {chosen.RefName} is damaged, {next}: {CacheRun.OneLine(e)}", e);
                    await QuarantineAsync(run, store, e, cancellationToken);
                    reasons.Add($"entry {chosen.RefName}: damaged: {CacheRun.OneLine(e)}");
                    continue;
                }

                if (store is IEntryUsageRecorder usage)
                {
                    await usage.MarkUsedAsync(chosen.Id, run.Clock.GetUtcNow(), cancellationToken);
                }

                run.BridgedLayers.UnionWith(loaded.PulledLayers);
                return (new RestoreReport
                {
                    Hit = true,
                    Entry = chosen.RefName,
                    EntryScope = chosen.Scope.Value,
                    EntryCreated = chosen.Created,
                    Reasons = reasons,
                    Stages = loaded.Stages,
                    BytesLoaded = loaded.BytesLoaded,
                    LayersLoaded = loaded.LayersLoaded,
                    LayersSkipped = loaded.LayersSkipped,
                    Seconds = clock.Elapsed.TotalSeconds,
                    CacheFrom = loaded.CacheFrom,
                    Transport = loaded.PulledLayers.Count > 0 ? "pull" : "load",
                }, chosen);
            }

            return Miss([.. reasons]);
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not CacheFailureException)
        {
            // Fail open: whatever is wrong with the cache, the build runs cold.
            run.Warn($"restoring the cache failed, building cold: {CacheRun.OneLine(e)}", e);
            await QuarantineAsync(run, store, e, cancellationToken);
            reasons.Add("restore failed: " + CacheRun.OneLine(e));
            return Miss([.. reasons]);
        }
    }

    /// <summary>How many damaged entries a restore passes over before it gives up and builds cold.</summary>
    private const int MaxAttempts = 3;

    /// <summary>The store's content is bad (not the engine, not the machine): another entry may be fine.</summary>
    internal static bool IsDamagedContent(Exception failure) =>
        Causes(failure).Any(e => StoreErrors.Classify(e) is StoreErrorKind.Corrupt or StoreErrorKind.NotFound);

    /// <summary>
    /// Deletes a blob that failed verification, so that the next save writes it again (a save skips
    /// blobs the store already has) and later restores do not trip over it: the store heals itself.
    /// Only where the store's policy allows it: a shared registry's blob is never deleted because one
    /// download was corrupt.
    /// </summary>
    private static async Task QuarantineAsync(CacheRun run, ICacheStore store, Exception failure, CancellationToken cancellationToken)
    {
        if (QuarantineTarget(failure) is not { } corrupt || !store.Policy.DeleteCorruptBlobs || store.Blobs is not IBlobDeleter deleter)
        {
            return;
        }

        try
        {
            await deleter.DeleteAsync(corrupt, cancellationToken);
            run.Log($"removed corrupt blob {corrupt} from the store; the next save writes it again");
        }
        catch (IOException io)
        {
            run.Log($"could not remove corrupt blob {corrupt}: {CacheRun.OneLine(io)}");
        }
    }

    /// <summary>
    /// The blob to delete after a failure, or null: only one whose bytes were proven not to match its
    /// digest, or a layer blob proven foreign (compressed or sparse content the store never writes).
    /// A missing blob, a document that does not parse or an engine error deletes nothing (nothing
    /// proves the blob itself bad, and a delete cannot be undone).
    /// </summary>
    internal static Oci.Digest? QuarantineTarget(Exception failure) =>
        Causes(failure).OfType<Oci.DigestMismatchException>().FirstOrDefault()?.Expected
        ?? Causes(failure).OfType<Oci.LayerContentRefusedException>().FirstOrDefault()?.Layer;

    /// <summary>The failure and every exception inside it, outermost first.</summary>
    private static IEnumerable<Exception> Causes(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>
    /// Why an entry must not be restored, or null when it may. Everything it looks at comes from the
    /// digested entry blob (and the signature bound to its digest), never from <c>index.json</c> alone.
    /// </summary>
    internal static string? Rejection(CacheEntry entry, RestoreCriteria criteria)
    {
        if (entry.Scope != criteria.Scope)
        {
            return $"the entry belongs to scope {entry.Scope}, not {criteria.Scope}";
        }

        if (entry.Image != criteria.Image)
        {
            return $"caches another image ({entry.Image}; this build is {criteria.Image})";
        }

        if (EntryDates.IsInFuture(entry.Created, criteria.Now))
        {
            return $"invalid: created {Rfc3339(entry.Created)}, in the future (more than {Durations.Format(EntryDates.ClockSkew)} ahead of this machine's clock)";
        }

        if (criteria.Signer is { } signer && !signer.IsSignedBy(entry))
        {
            return entry.Signature is null
                ? $"not signed; this build has {EntrySigning.KeyVariable} and restores only entries signed with it"
                : $"its signature does not match {EntrySigning.KeyVariable} (signed with another key, or altered)";
        }

        var age = criteria.Now - entry.Created;
        if (criteria.MaxAge is { } limit && age > limit)
        {
            return string.Create(CultureInfo.InvariantCulture, $"created {Durations.Format(age)} ago, older than --max-age {Durations.Format(limit)}: building fresh to take base image updates");
        }

        // Two identities (engine image id, registry manifest digest): compare the ones both sides have.
        foreach (var image in entry.BaseImages.Keys.Union(entry.BaseImageManifests.Keys, StringComparer.Ordinal))
        {
            var saved = entry.GetBaseImage(image);
            var current = criteria.CurrentBaseImage(image);
            if (saved.Contradicts(current))
            {
                var (was, now) = saved.ImageId is { } a && current.ImageId is { } b && a != b
                    ? (a, b)
                    : (saved.ManifestDigest!.Value, current.ManifestDigest!.Value);
                return $"base image {image} changed ({Durations.Short(was)} -> {Durations.Short(now)})";
            }
        }

        if (entry.Builder is { } made && made != criteria.Builder)
        {
            // Classic images carry no BuildKit cache metadata, and BuildKit's images do not hit in
            // the classic builder's history matching: such an entry could not help.
            return $"made by the {made} builder; this build uses {criteria.Builder}";
        }

        return null;
    }

    private static string Rfc3339(DateTimeOffset time) => Oci.Rfc3339JsonConverter.Format(time);
}
