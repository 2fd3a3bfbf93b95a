using System.Diagnostics;
using System.Globalization;
using LayerCache.Core.Reports;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>
/// Picks the newest usable entry (own scope first, then the fallbacks) and loads its stage images.
/// An entry is passed over, with the reason reported, when it could not hit (a base image changed,
/// another builder made it) or must not (older than --max-age, so base-image updates arrive).
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
            return Miss(Directory.Exists(run.Options.Store.Directory) ? "the cache store is unusable" : $"no cache yet at {run.Options.Store}");
        }

        var reasons = new List<string>();
        try
        {
            // Every entry that could hit, best first: the own scope's newest, then older ones, then the fallbacks'.
            var candidates = new List<CacheEntry>();
            foreach (var scope in run.Scopes.Read)
            {
                var entries = await store.FindEntriesAsync(scope, cancellationToken);
                if (entries.Count == 0)
                {
                    reasons.Add($"scope {scope}: no entries");
                }

                foreach (var entry in entries)
                {
                    if (Rejection(entry, run.Clock.GetUtcNow(), run.Options.MaxAge, run.BaseImages, run.KeyInputs.Builder) is { } why)
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
                    loaded = await new StageImageLoader(run.Engine, store).LoadAsync(chosen, run.StageTag, cancellationToken);
                }
                catch (Exception e) when (IsDamagedContent(e))
                {
                    var next = i + 1 < attempts.Count ? $"trying entry {attempts[i + 1].RefName}" : "building cold";
                    run.Warn($"cache entry {chosen.RefName} is damaged, {next}: {CacheRun.OneLine(e)}", e);
                    await QuarantineAsync(run, store, e, cancellationToken);
                    reasons.Add($"entry {chosen.RefName}: damaged: {CacheRun.OneLine(e)}");
                    continue;
                }

                await store.MarkUsedAsync(chosen.Id, run.Clock.GetUtcNow(), cancellationToken);
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
    private static bool IsDamagedContent(Exception failure) =>
        Causes(failure).Any(e => e is Oci.ContentVerificationException or Oci.BlobNotFoundException or StoreCorruptException or Oci.OciFormatException);

    /// <summary>
    /// Deletes a blob that failed verification, so that the next save writes it again (a save skips
    /// blobs the store already has) and later restores do not trip over it: the store heals itself.
    /// </summary>
    private static async Task QuarantineAsync(CacheRun run, ICacheStore store, Exception failure, CancellationToken cancellationToken)
    {
        if (Causes(failure).OfType<Oci.DigestMismatchException>().FirstOrDefault() is not { } mismatch)
        {
            return;
        }

        try
        {
            await store.Blobs.DeleteAsync(mismatch.Expected, cancellationToken);
            run.Log($"removed corrupt blob {mismatch.Expected} from the store; the next save writes it again");
        }
        catch (IOException io)
        {
            run.Log($"could not remove corrupt blob {mismatch.Expected}: {CacheRun.OneLine(io)}");
        }
    }

    /// <summary>The failure and every exception inside it, outermost first.</summary>
    private static IEnumerable<Exception> Causes(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>Why an entry must not be restored, or null when it may.</summary>
    /// <param name="entry">The candidate.</param>
    /// <param name="now">The current time.</param>
    /// <param name="maxAge">--max-age, or null.</param>
    /// <param name="baseImages">The base images as the engine has them now (null: unknown).</param>
    /// <param name="builder">The builder this run uses.</param>
    internal static string? Rejection(CacheEntry entry, DateTimeOffset now, TimeSpan? maxAge, IReadOnlyDictionary<string, Oci.Digest?> baseImages, string builder)
    {
        var age = now - entry.Created;
        if (maxAge is { } limit && age > limit)
        {
            return string.Create(CultureInfo.InvariantCulture, $"created {Durations.Format(age)} ago, older than --max-age {Durations.Format(limit)}: building fresh to take base image updates");
        }

        foreach (var (image, digest) in entry.BaseImages)
        {
            if (baseImages.TryGetValue(image, out var current) && current is { } currentDigest && currentDigest != digest)
            {
                return $"base image {image} changed ({Durations.Short(digest)} -> {Durations.Short(currentDigest)})";
            }
        }

        if (entry.Builder is { } made && made != builder)
        {
            // Classic images carry no BuildKit cache metadata, and BuildKit's images do not hit in
            // the classic builder's history matching: such an entry could not help.
            return $"made by the {made} builder; this build uses {builder}";
        }

        return null;
    }
}
