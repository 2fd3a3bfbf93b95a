using LayerCache.Oci;

namespace LayerCache.Store.Conformance;

/// <summary>
/// Behaviour every <see cref="ICacheStore"/> must have. One subclass per implementation supplies
/// independent instances over one backing store and ways to damage blobs behind the store's back.
/// </summary>
public abstract class CacheStoreConformance : IAsyncLifetime, IDisposable
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 30, 0, TimeSpan.Zero);

    // A hung lock fails the test instead of the whole run.
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private ICacheStore? _store;

    protected ICacheStore Store => _store ?? throw new InvalidOperationException("not initialized");

    protected CancellationToken Ct => _timeout.Token;

    /// <summary>The store's retention, or the case is skipped (the store lacks <see cref="StoreCapabilities.Prune"/>).</summary>
    protected IPrunableCacheStore Prunable => Require<IPrunableCacheStore>(Store, StoreCapabilities.Prune);

    /// <summary>The store's full check, or the case is skipped.</summary>
    protected IVerifiableCacheStore Verifiable => Require<IVerifiableCacheStore>(Store, StoreCapabilities.Verify);

    /// <summary>The store's last-used record, or the case is skipped.</summary>
    protected IEntryUsageRecorder Usage => Require<IEntryUsageRecorder>(Store, StoreCapabilities.RecordUsage);

    /// <summary>The store's signatures, or the case is skipped.</summary>
    protected IEntrySignatureStore Signatures => Require<IEntrySignatureStore>(Store, StoreCapabilities.SignEntries);

    /// <summary>The store's blob deletion, or the case is skipped.</summary>
    protected IBlobDeleter BlobDeleter => Require<IBlobDeleter>(Store.Blobs, StoreCapabilities.DeleteBlobs);

    /// <summary>The store's blob listing, or the case is skipped.</summary>
    protected IBlobEnumerator BlobEnumerator => Require<IBlobEnumerator>(Store.Blobs, StoreCapabilities.EnumerateBlobs);

    /// <summary>Prepares an empty backing store.</summary>
    protected abstract Task CreateBackingAsync();

    /// <summary>A new, independent instance over the backing store (as another process would have).</summary>
    protected abstract Task<ICacheStore> OpenStoreAsync();

    /// <summary>Changes the stored bytes of a blob without changing its length.</summary>
    protected abstract Task CorruptBlobAsync(Digest digest);

    /// <summary>Removes a blob without going through the store's index.</summary>
    protected abstract Task RemoveBlobAsync(Digest digest);

    public async Task InitializeAsync()
    {
        await CreateBackingAsync();
        _store = await OpenStoreAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the backing store; overrides call the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timeout.Dispose();
        }
    }

    [SkippableFact]
    public async Task Empty_store_lists_nothing_and_verifies_clean()
    {
        Assert.Empty(await Store.ListEntriesAsync(Ct));
        var report = await Verifiable.VerifyAsync(Ct);
        Assert.True(report.IsClean);
        Assert.Equal(0, report.EntriesChecked);
    }

    [SkippableFact]
    public async Task Entry_round_trips_with_all_metadata()
    {
        var build = await TestImages.AddImageAsync(Store.Blobs, "build", "base", "sdk");
        var runtime = await TestImages.AddImageAsync(Store.Blobs, "runtime", "base", "app");
        var entry = TestImages.Entry("myproject/main", T0, build, runtime);

        var stored = await Store.PutEntryAsync(entry, Ct);
        var listed = Assert.Single(await (await OpenStoreAsync()).ListEntriesAsync(Ct));

        Assert.False(stored.Id.IsEmpty);
        Assert.Equal("myproject_main.20261122T073000Z", stored.RefName);
        foreach (var e in new[] { stored, listed })
        {
            Assert.Equal(stored.Id, e.Id);
            Assert.Equal(stored.RefName, e.RefName);
            Assert.Equal(entry.Scope, e.Scope);
            Assert.Equal(entry.Created, e.Created);
            Assert.Equal(entry.Created, e.LastUsed);
            Assert.Equal(entry.Key, e.Key);
            Assert.Equal(entry.BaseImages.OrderBy(p => p.Key), e.BaseImages.OrderBy(p => p.Key));
            Assert.Equal(entry.KeyFiles.OrderBy(p => p.Key), e.KeyFiles.OrderBy(p => p.Key));
            Assert.Equal(entry.DockerfileDigest, e.DockerfileDigest);
            Assert.Equal(entry.BuildArgsDigest, e.BuildArgsDigest);
            Assert.Equal("buildkit", e.Builder);
            Assert.Equal("runtime", e.Target);
            Assert.Equal(["build", "runtime"], e.Stages.Select(s => s.Name));
            Assert.Equal([build.ManifestDigest, runtime.ManifestDigest], e.Stages.Select(s => s.ManifestDigest));
        }

        Assert.Equal(stored.Stages, listed.Stages);
    }

    [SkippableFact]
    public async Task Put_fills_in_stage_details_from_the_manifest()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "runtime", "l1", "l2");
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);

        var filled = Assert.Single(stored.Stages);
        await using var manifestStream = await Store.Blobs.OpenReadAsync(stage.ManifestDigest, Ct);
        using var buffer = new MemoryStream();
        await manifestStream.CopyToAsync(buffer, Ct);
        var manifest = OciJson.DeserializeManifest(buffer.ToArray());
        Assert.Equal(manifest.Config.Digest, filled.ConfigDigest);
        Assert.Equal(MediaType.OciImageManifest, filled.ManifestMediaType);
        Assert.Equal(buffer.Length, filled.ManifestSize);
        Assert.Equal(buffer.Length + manifest.Config.Size + manifest.Layers.Sum(l => l.Size), filled.Size);
        Assert.Equal("linux/amd64", filled.Platform?.ToString());
    }

    [SkippableFact]
    public async Task Gzip_layers_are_kept_as_given_and_verify_clean()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", [TestImages.Layer("zipped")], gzip: true, Ct);
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);

        var layer = Digest.Compute(TestImages.Gzip(TestImages.Layer("zipped")));
        Assert.Contains(layer, await ClosureAsync(stored));
        Assert.True(await Store.Blobs.ExistsAsync(layer, Ct));
        await AssertWholeAsync();
        Assert.Equal(stored.Id, Assert.Single(await Store.ListEntriesAsync(Ct)).Id);
    }

    [SkippableFact]
    public async Task Verify_counts_unreferenced_blobs_without_calling_them_problems()
    {
        await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "x")), Ct);
        await TestImages.AddImageAsync(Store.Blobs, "app", "interrupted-save");

        var report = await Verifiable.VerifyAsync(Ct);

        Assert.True(report.IsClean);
        // Only a store that can list its blobs can count the ones nothing references (a registry cannot).
        Assert.Equal(Store.Has(StoreCapabilities.EnumerateBlobs) ? 3 : 0, report.UnreferencedBlobs);
        Assert.Equal(1, report.EntriesChecked);
    }

    [SkippableFact]
    public async Task Entries_are_listed_newest_first_and_found_by_scope()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "x");
        await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddHours(1), stage), Ct);
        await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddHours(3), stage), Ct);
        await Store.PutEntryAsync(TestImages.Entry("p/pr-1", T0.AddHours(2), stage), Ct);
        await Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);

        var all = await Store.ListEntriesAsync(Ct);
        Assert.Equal([3, 2, 1, 0], all.Select(e => (int)(e.Created - T0).TotalHours));

        var main = await Store.FindEntriesAsync(CacheScope.Parse("p/main"), Ct);
        Assert.Equal([3, 1, 0], main.Select(e => (int)(e.Created - T0).TotalHours));
        Assert.Empty(await Store.FindEntriesAsync(CacheScope.Parse("p/other"), Ct));
    }

    [SkippableFact]
    public async Task Putting_the_same_entry_twice_keeps_one()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "x");
        var first = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);
        var second = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.RefName, second.RefName);
        Assert.Single(await Store.ListEntriesAsync(Ct));
    }

    [SkippableFact]
    public async Task Two_entries_in_the_same_second_get_distinct_ref_names()
    {
        var a = await TestImages.AddImageAsync(Store.Blobs, "app", "a");
        var b = await TestImages.AddImageAsync(Store.Blobs, "app", "b");
        var first = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, a), Ct);
        var second = await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddMilliseconds(10), b), Ct);

        Assert.NotEqual(first.RefName, second.RefName);
        Assert.StartsWith("p_main.20261122T073000Z.", second.RefName, StringComparison.Ordinal);
        Assert.Equal(2, (await Store.ListEntriesAsync(Ct)).Count);
    }

    [SkippableFact]
    public async Task Put_with_a_missing_layer_fails_typed_and_publishes_nothing()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "present", "gone");
        var gone = Digest.Compute(TestImages.Layer("gone"));
        Assert.True(await BlobDeleter.DeleteAsync(gone, Ct));

        var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct));

        Assert.Equal(gone, e.Digest);
        Assert.Contains(gone.Hex, e.Message, StringComparison.Ordinal);
        Assert.Empty(await Store.ListEntriesAsync(Ct));
    }

    [SkippableFact]
    public async Task Put_rejects_invalid_entries()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "x");
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutEntryAsync(TestImages.Entry("p/main", T0), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage, stage), Ct));
    }

    [SkippableFact]
    public async Task MarkUsed_moves_last_used_forward_only()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "x");
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);

        // Marks within the clock-skew allowance of each other never move last-used back.
        Assert.True(await Usage.MarkUsedAsync(stored.Id, T0.AddDays(2), Ct));
        Assert.True(await Usage.MarkUsedAsync(stored.Id, T0.AddDays(2).AddMinutes(-2), Ct));

        var listed = Assert.Single(await (await OpenStoreAsync()).ListEntriesAsync(Ct));
        Assert.Equal(T0.AddDays(2), listed.LastUsed);
        Assert.Equal(T0, listed.Created);
        Assert.False(await Usage.MarkUsedAsync(Digest.Compute("nope"u8), T0, Ct));
    }

    [SkippableFact]
    public async Task MarkUsed_replaces_a_last_used_far_in_the_future()
    {
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "x")), Ct);
        await Usage.MarkUsedAsync(stored.Id, new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero), Ct);

        await Usage.MarkUsedAsync(stored.Id, T0.AddDays(1), Ct);

        Assert.Equal(T0.AddDays(1), Assert.Single(await Store.ListEntriesAsync(Ct)).LastUsed);
    }

    [SkippableFact]
    public async Task Entry_image_identity_round_trips()
    {
        var image = new ImageIdentity("docker/Dockerfile.worker", "worker", "linux/arm64");
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "x")) with { Image = image }, Ct);

        Assert.Equal(image, Assert.Single(await (await OpenStoreAsync()).ListEntriesAsync(Ct)).Image);
        Assert.Equal(image, stored.Image);
    }

    [SkippableFact]
    public async Task KeepCurrent_keeps_the_newest_entry_of_every_image_of_a_scope()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "x");
        var worker = new ImageIdentity("Dockerfile.worker", null, null);
        var test = new ImageIdentity("Dockerfile", "test", null);
        var app = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);
        await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddHours(1), stage) with { Image = worker }, Ct);
        var newestWorker = await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddHours(2), stage) with { Image = worker }, Ct);
        var testEntry = await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddHours(3), stage) with { Image = test }, Ct);

        var report = await Prunable.PruneAsync(new RetentionPolicy { KeepCurrent = true, ProtectedScope = CacheScope.Parse("p/main"), ProtectedImage = worker }, T0.AddDays(1), Ct);

        Assert.Single(report.EntriesRemoved);
        Assert.Equal(new[] { app.Id, newestWorker.Id, testEntry.Id }.Order(), (await Store.ListEntriesAsync(Ct)).Select(e => e.Id).Order());
    }

    [SkippableFact]
    public async Task An_entry_dated_in_the_future_never_makes_keep_current_drop_the_real_one()
    {
        var real = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "real")), Ct);
        var liar = await Store.PutEntryAsync(TestImages.Entry("p/main", new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero), await TestImages.AddImageAsync(Store.Blobs, "app", "evil")), Ct);

        var report = await Prunable.PruneAsync(new RetentionPolicy { KeepCurrent = true, ProtectedScope = CacheScope.Parse("p/main") }, T0.AddMinutes(1), Ct);

        Assert.Equal(liar.Id, Assert.Single(report.EntriesRemoved).Id);
        Assert.Equal(real.Id, Assert.Single(await Store.ListEntriesAsync(Ct)).Id);
    }

    [SkippableFact]
    public async Task A_last_used_in_the_future_does_not_keep_an_entry_under_keep_for()
    {
        var stale = await Store.PutEntryAsync(TestImages.Entry("p/old", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "x")), Ct);
        await Usage.MarkUsedAsync(stale.Id, new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero), Ct);

        var report = await Prunable.PruneAsync(RetentionPolicy.KeepAll.WithKeep("7d"), T0.AddDays(30), Ct);

        Assert.Equal(stale.Id, Assert.Single(report.EntriesRemoved).Id);
    }

    [SkippableFact]
    public async Task A_signature_is_kept_beside_its_entry_and_checks_with_the_key_only()
    {
        var signer = EntrySigner.FromSecret("protected-ci-secret");
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "x")), Ct);
        Assert.Null(stored.Signature);

        Assert.True(await Signatures.SignEntryAsync(stored.Id, signer.Sign(stored), Ct));
        if (Store is IEntryUsageRecorder usage)
        {
            await usage.MarkUsedAsync(stored.Id, T0.AddDays(1), Ct);
        }

        await Prunable.PruneAsync(RetentionPolicy.KeepAll, T0.AddDays(1), Ct);

        var listed = Assert.Single(await (await OpenStoreAsync()).ListEntriesAsync(Ct));
        Assert.True(signer.IsSignedBy(listed));
        Assert.False(EntrySigner.FromSecret("another").IsSignedBy(listed));
        Assert.False(await Signatures.SignEntryAsync(Digest.Compute("gone"u8), "x", Ct));
    }

    [SkippableFact]
    public async Task KeepCurrent_over_ten_successive_entries_keeps_only_the_last_entrys_blobs()
    {
        var scope = CacheScope.Parse("p/main");
        CacheEntry last = null!;
        for (var i = 0; i < 10; i++)
        {
            // Each build shares the base layer and adds its own, as successive commits do.
            var build = await TestImages.AddImageAsync(Store.Blobs, "build", "base", $"deps-{i % 3}", $"build-{i}");
            var runtime = await TestImages.AddImageAsync(Store.Blobs, "runtime", "base", $"app-{i}");
            last = await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddMinutes(i), build, runtime), Ct);
            var report = await Prunable.PruneAsync(new RetentionPolicy { KeepCurrent = true, ProtectedScope = scope }, T0.AddMinutes(i), Ct);
            Assert.Equal(i == 0 ? 0 : 1, report.EntriesRemoved.Count);
            Assert.Equal(1, report.EntriesKept);
        }

        var remaining = Assert.Single(await Store.ListEntriesAsync(Ct));
        Assert.Equal(last.Id, remaining.Id);
        var blobs = await ListBlobsAsync();
        var expected = await ClosureAsync(last);
        Assert.Equal(expected.Order(), blobs.Select(b => b.Digest).Order());
        Assert.Equal(await Store.GetSizeAsync([last], Ct), blobs.Sum(b => b.Size));
        await AssertWholeAsync();
    }

    [SkippableFact]
    public async Task KeepCurrent_keeps_the_newest_entry_of_every_scope()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "x");
        await Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);
        var main = await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddHours(1), stage), Ct);
        await Store.PutEntryAsync(TestImages.Entry("p/pr-7", T0, stage), Ct);
        var pr = await Store.PutEntryAsync(TestImages.Entry("p/pr-7", T0.AddHours(2), stage), Ct);

        var report = await Prunable.PruneAsync(new RetentionPolicy { KeepCurrent = true }, T0.AddDays(1), Ct);

        Assert.Equal(2, report.EntriesRemoved.Count);
        Assert.Equal(new[] { main.Id, pr.Id }.Order(), (await Store.ListEntriesAsync(Ct)).Select(e => e.Id).Order());
    }

    [SkippableFact]
    public async Task KeepFor_drops_entries_not_used_recently()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "x");
        var old = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);
        var oldButUsed = await Store.PutEntryAsync(TestImages.Entry("p/pr-1", T0, stage), Ct);
        var recent = await Store.PutEntryAsync(TestImages.Entry("p/pr-2", T0.AddDays(9), stage), Ct);
        await Usage.MarkUsedAsync(oldButUsed.Id, T0.AddDays(8), Ct);

        var report = await Prunable.PruneAsync(RetentionPolicy.KeepAll.WithKeep("7d"), T0.AddDays(10), Ct);

        Assert.Equal([old.Id], report.EntriesRemoved.Select(e => e.Id));
        Assert.Equal(new[] { oldButUsed.Id, recent.Id }.Order(), (await Store.ListEntriesAsync(Ct)).Select(e => e.Id).Order());
    }

    [SkippableFact]
    public async Task KeepCurrent_and_KeepFor_combine_so_stale_scopes_go_entirely()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "x");
        await Store.PutEntryAsync(TestImages.Entry("p/pr-old", T0, stage), Ct);
        await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddDays(9), stage), Ct);
        var current = await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddDays(10), stage), Ct);

        await Prunable.PruneAsync(RetentionPolicy.KeepAll.WithKeep("current").WithKeep("7d"), T0.AddDays(10), Ct);

        Assert.Equal([current.Id], (await Store.ListEntriesAsync(Ct)).Select(e => e.Id));
    }

    [SkippableFact]
    public async Task MaxSize_drops_least_recently_used_entries_until_the_rest_fit()
    {
        var a = await Store.PutEntryAsync(TestImages.Entry("p/a", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "shared", "a")), Ct);
        var b = await Store.PutEntryAsync(TestImages.Entry("p/b", T0.AddHours(1), await TestImages.AddImageAsync(Store.Blobs, "app", "shared", "b")), Ct);
        var c = await Store.PutEntryAsync(TestImages.Entry("p/c", T0.AddHours(2), await TestImages.AddImageAsync(Store.Blobs, "app", "shared", "c")), Ct);
        await Usage.MarkUsedAsync(a.Id, T0.AddHours(5), Ct);
        var limit = await Store.GetSizeAsync([a, c], Ct);

        var report = await Prunable.PruneAsync(new RetentionPolicy { MaxSize = limit }, T0.AddHours(6), Ct);

        Assert.Equal([b.Id], report.EntriesRemoved.Select(e => e.Id));
        Assert.True(report.BytesKept <= limit);
        Assert.True(report.BlobsRemoved > 0);
        Assert.True(report.BytesFreed > 0);
    }

    [SkippableFact]
    public async Task MaxSize_never_drops_the_newest_entry_of_the_protected_scope()
    {
        var old = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "old")), Ct);
        var current = await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddHours(1), await TestImages.AddImageAsync(Store.Blobs, "app", "new")), Ct);

        var report = await Prunable.PruneAsync(new RetentionPolicy { MaxSize = 1, ProtectedScope = current.Scope }, T0.AddHours(2), Ct);

        Assert.Equal([old.Id], report.EntriesRemoved.Select(e => e.Id));
        Assert.Equal([current.Id], (await Store.ListEntriesAsync(Ct)).Select(e => e.Id));
    }

    [SkippableFact]
    public async Task Prune_collects_blobs_no_entry_references()
    {
        // Orphans are found by listing blobs and removed by deleting them: a store without both leaves them to its own GC.
        _ = BlobEnumerator;
        _ = BlobDeleter;
        var kept = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "kept")), Ct);
        var orphan = await TestImages.AddImageAsync(Store.Blobs, "app", "orphan");

        var report = await Prunable.PruneAsync(RetentionPolicy.KeepAll, T0, Ct);

        Assert.Empty(report.EntriesRemoved);
        Assert.Equal(3, report.BlobsRemoved);
        Assert.False(await Store.Blobs.ExistsAsync(orphan.ManifestDigest, Ct));
        Assert.Equal((await ClosureAsync(kept)).Order(), (await ListBlobsAsync()).Select(b => b.Digest).Order());
    }

    [SkippableFact]
    public async Task Prune_waits_for_an_open_write_session_and_keeps_its_blobs()
    {
        // Only a prune that deletes blobs has a reason to wait for writers.
        _ = BlobDeleter;
        var writer = await OpenStoreAsync();
        var session = await writer.BeginWriteAsync(Ct);
        var stage = await TestImages.AddImageAsync(writer.Blobs, "app", "in-flight");

        var prune = Task.Run(() => Prunable.PruneAsync(RetentionPolicy.KeepAll, T0, Ct));
        await Task.Delay(500, Ct);
        Assert.False(prune.IsCompleted, "prune ran while a writer held a session");

        var entry = await writer.PutEntryAsync(TestImages.Entry("p/main", T0, stage), Ct);
        await session.DisposeAsync();
        var report = await prune;

        Assert.Equal(0, report.BlobsRemoved);
        Assert.Equal([entry.Id], (await Store.ListEntriesAsync(Ct)).Select(e => e.Id));
        await AssertWholeAsync();
    }

    [SkippableFact]
    public async Task Verify_names_a_corrupt_layer_and_the_entries_that_need_it()
    {
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "fine", "bad")), Ct);
        var bad = Digest.Compute(TestImages.Layer("bad"));
        await CorruptBlobAsync(bad);

        var report = await Verifiable.VerifyAsync(Ct);

        Assert.False(report.IsClean);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(bad, problem.Digest);
        Assert.Equal(BlobProblemKind.Corrupt, problem.Kind);
        Assert.Contains(bad.Value, problem.Detail, StringComparison.Ordinal);
        Assert.Contains(stored.RefName!, problem.ReferencedBy);
        Assert.Contains(stored.RefName!, report.BrokenEntries);
    }

    [SkippableFact]
    public async Task Verify_reports_missing_blobs_and_dangling_entries()
    {
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "x")), Ct);
        var other = await Store.PutEntryAsync(TestImages.Entry("p/dev", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "y")), Ct);
        var layer = Digest.Compute(TestImages.Layer("x"));
        await RemoveBlobAsync(layer);
        await RemoveBlobAsync(other.Id);

        var report = await Verifiable.VerifyAsync(Ct);

        // A store that holds its entries' indexes as blobs names the lost index and its entry. In a
        // registry the entry is a tag, and a tag whose manifest is gone names nothing: no entry at all
        // (the API says nothing of what it named and cannot delete it).
        var indexesAreBlobs = Store.Has(StoreCapabilities.EnumerateBlobs);
        Assert.Contains(report.Problems, p => p.Digest == layer && p.Kind == BlobProblemKind.Missing && p.ReferencedBy.Contains(stored.RefName!));
        Assert.Contains(stored.RefName!, report.BrokenEntries);
        if (indexesAreBlobs)
        {
            Assert.Contains(report.Problems, p => p.Digest == other.Id && p.Kind == BlobProblemKind.Missing && p.ReferencedBy.Contains(other.RefName!));
            Assert.Contains(other.RefName!, report.BrokenEntries);
        }
        else
        {
            Assert.DoesNotContain(other.RefName!, report.BrokenEntries);
        }

        // Fail open: the dangling entry is not listed. Prune drops it, and the entry that lost a layer
        // too (it can never be restored again), so that the store verifies clean afterwards.
        Assert.Equal([stored.Id], (await Store.ListEntriesAsync(Ct)).Select(e => e.Id));
        var pruned = await Prunable.PruneAsync(RetentionPolicy.KeepAll, T0, Ct);
        Assert.Equal(indexesAreBlobs ? [other.RefName!, stored.RefName!] : [stored.RefName!], pruned.BrokenEntriesRemoved.Order(StringComparer.Ordinal));
        Assert.Empty(await Store.ListEntriesAsync(Ct));
        await AssertWholeAsync();
    }

    [SkippableFact]
    public async Task Prune_keeps_complete_entries_that_share_blobs_with_a_broken_one()
    {
        var broken = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "shared", "lost")), Ct);
        var whole = await Store.PutEntryAsync(TestImages.Entry("p/dev", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "shared", "kept")), Ct);
        await RemoveBlobAsync(Digest.Compute(TestImages.Layer("lost")));

        var pruned = await Prunable.PruneAsync(RetentionPolicy.KeepAll, T0, Ct);

        Assert.Equal([broken.RefName!], pruned.BrokenEntriesRemoved);
        Assert.Equal([whole.Id], (await Store.ListEntriesAsync(Ct)).Select(e => e.Id));
        Assert.True(await Store.Blobs.ExistsAsync(Digest.Compute(TestImages.Layer("shared")), Ct));
        await AssertWholeAsync();
    }

    [SkippableFact]
    public async Task GetSize_counts_shared_blobs_once()
    {
        var a = await Store.PutEntryAsync(TestImages.Entry("p/a", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "shared", "a")), Ct);
        var b = await Store.PutEntryAsync(TestImages.Entry("p/b", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "shared", "b")), Ct);
        var shared = TestImages.Layer("shared").Length;

        var sizeA = await Store.GetSizeAsync([a], Ct);
        var sizeB = await Store.GetSizeAsync([b], Ct);
        var both = await Store.GetSizeAsync([a, b], Ct);

        Assert.Equal(sizeA + sizeB - shared, both);
        Assert.Equal((await ListBlobsAsync()).Sum(x => x.Size), both);
    }

    [SkippableFact]
    public async Task Parallel_writers_on_separate_instances_lose_nothing()
    {
        const int writers = 4;
        const int entriesEach = 5;
        var stores = new List<ICacheStore>();
        for (var i = 0; i < writers; i++)
        {
            stores.Add(await OpenStoreAsync());
        }

        var results = await Task.WhenAll(stores.Select((store, w) => Task.Run(async () =>
        {
            var ids = new List<Digest>();
            for (var i = 0; i < entriesEach; i++)
            {
                await using var session = await store.BeginWriteAsync(Ct);
                var stage = await TestImages.AddImageAsync(store.Blobs, "app", "shared-base", $"w{w}-e{i}");
                var entry = await store.PutEntryAsync(TestImages.Entry($"p/writer-{w}", T0.AddMinutes(i), stage), Ct);
                ids.Add(entry.Id);
            }

            return ids;
        })));

        var listed = await Store.ListEntriesAsync(Ct);
        Assert.Equal(results.SelectMany(r => r).Order(), listed.Select(e => e.Id).Order());
        await AssertWholeAsync();
    }

    [SkippableFact]
    public async Task Parallel_writers_and_pruners_keep_every_published_entry_whole()
    {
        _ = Prunable;
        var stores = new List<ICacheStore>();
        for (var i = 0; i < 3; i++)
        {
            stores.Add(await OpenStoreAsync());
        }

        var writers = stores.Take(2).Select((store, w) => Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                await using var session = await store.BeginWriteAsync(Ct);
                var stage = await TestImages.AddImageAsync(store.Blobs, "app", $"pw{w}-{i}");
                await store.PutEntryAsync(TestImages.Entry($"p/w{w}", T0.AddMinutes(i), stage), Ct);
            }
        }));
        var pruner = Task.Run(async () =>
        {
            for (var i = 0; i < 6; i++)
            {
                await ((IPrunableCacheStore)stores[2]).PruneAsync(RetentionPolicy.KeepAll, T0, Ct);
            }
        });
        await Task.WhenAll([.. writers, pruner]);

        Assert.Equal(8, (await Store.ListEntriesAsync(Ct)).Count);
        await AssertWholeAsync();
    }

    [SkippableFact]
    public async Task Declared_capabilities_are_the_interfaces_implemented()
    {
        Assert.Equal(Store.Discover(), Store.Capabilities);
        Assert.NotNull(Store.Policy);
        Assert.False(string.IsNullOrEmpty(Store.Location));
    }

    [SkippableFact]
    public async Task A_write_session_belongs_to_its_store_and_ends_on_dispose()
    {
        await using (var session = await Store.BeginWriteAsync(Ct))
        {
            Assert.Same(Store, session.Store);
        }

        // Ended: a prune (which waits for writers) can run.
        if (Store is IPrunableCacheStore prunable)
        {
            await prunable.PruneAsync(RetentionPolicy.KeepAll, T0, Ct);
        }
    }

    [SkippableFact]
    public async Task Put_records_each_layers_DiffId_beside_its_stored_blob()
    {
        var plainLayers = new[] { TestImages.Layer("plain-a"), TestImages.Layer("plain-b") };
        var gzipLayers = new[] { TestImages.Layer("gz-a") };
        var plain = await TestImages.AddImageAsync(Store.Blobs, "plain", plainLayers, gzip: false, Ct);
        var gzipped = await TestImages.AddImageAsync(Store.Blobs, "gzipped", gzipLayers, gzip: true, Ct);

        var stored = await Store.PutEntryAsync(TestImages.Entry("p/layers", T0, plain, gzipped), Ct);
        var listed = Assert.Single(await (await OpenStoreAsync()).ListEntriesAsync(Ct));

        foreach (var entry in new[] { stored, listed })
        {
            var plainStage = entry.FindStage("plain")!;
            Assert.Equal(plainLayers.Select(l => DiffId.FromDigest(Digest.Compute(l))), plainStage.Layers.Select(l => l.DiffId));
            Assert.All(plainStage.Layers, l => Assert.True(l.IsUncompressed));
            var gzipStage = entry.FindStage("gzipped")!;
            var layer = Assert.Single(gzipStage.Layers);
            Assert.Equal(DiffId.FromDigest(Digest.Compute(gzipLayers[0])), layer.DiffId);
            Assert.False(layer.IsUncompressed);
            Assert.Equal(MediaType.OciLayerGzip, layer.Stored.MediaType);
            Assert.Equal(layer.Stored.Size, await Store.Blobs.TryGetSizeAsync(layer.Stored.Digest, Ct));
        }

        var index = LayerIndex.For(Store, [listed]);
        var found = await index.FindAsync(DiffId.FromDigest(Digest.Compute(gzipLayers[0])), Ct);
        Assert.NotNull(found);
        Assert.False(found.IsUncompressed);
        Assert.Null(await index.FindAsync(DiffId.FromDigest(Digest.Compute("never stored"u8)), Ct));
    }

    [SkippableFact]
    public async Task Base_image_identities_round_trip_both()
    {
        var stage = await TestImages.AddImageAsync(Store.Blobs, "app", "base-ids");
        var id = Digest.Compute("image id"u8);
        var manifest = Digest.Compute("manifest"u8);
        var entry = TestImages.Entry("p/base", T0, stage) with
        {
            BaseImages = new Dictionary<string, Digest> { ["alpine:3"] = id },
            BaseImageManifests = new Dictionary<string, Digest> { ["alpine:3"] = manifest, ["registry.example/only-remote:1"] = manifest },
        };

        await Store.PutEntryAsync(entry, Ct);
        var listed = Assert.Single(await (await OpenStoreAsync()).ListEntriesAsync(Ct));

        Assert.Equal(new BaseImageIdentity(id, manifest), listed.GetBaseImage("alpine:3"));
        Assert.Equal(new BaseImageIdentity(null, manifest), listed.GetBaseImage("registry.example/only-remote:1"));
        Assert.True(listed.GetBaseImage("nowhere").IsEmpty);
    }

    [SkippableFact]
    public async Task A_tag_resolves_to_its_descriptor_moves_when_retagged_and_is_listed()
    {
        var a = await TestImages.AddImageAsync(Store.Blobs, "a", "tag-a");
        var b = await TestImages.AddImageAsync(Store.Blobs, "b", "tag-b");
        var da = await DescriptorAsync(a.ManifestDigest);
        var db = await DescriptorAsync(b.ManifestDigest);

        await Store.References.TagAsync("conformance-1", da, Ct);
        Assert.Equal(da.Digest, (await Store.References.ResolveAsync("conformance-1", Ct))?.Digest);
        await Store.References.TagAsync("conformance-1", db, Ct);
        var other = await OpenStoreAsync();
        var resolved = await other.References.ResolveAsync("conformance-1", Ct);

        Assert.Equal(db.Digest, resolved?.Digest);
        Assert.Equal(db.Size, resolved?.Size);
        Assert.Null(await other.References.ResolveAsync("conformance-absent", Ct));
        var tags = new List<string>();
        await foreach (var tag in other.References.ListTagsAsync(Ct))
        {
            tags.Add(tag);
        }

        Assert.Single(tags, "conformance-1");
    }

    [SkippableFact]
    public async Task Malformed_tags_and_missing_targets_are_classified_errors()
    {
        var a = await TestImages.AddImageAsync(Store.Blobs, "a", "tag-bad");
        var da = await DescriptorAsync(a.ManifestDigest);

        foreach (var bad in new[] { "", "-starts-with-dash", "has space", "has/slash", new string('x', 129) })
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => Store.References.TagAsync(bad, da, Ct));
            Assert.Equal(StoreErrorKind.Invalid, StoreErrors.Classify(e));
        }

        var missing = da with { Digest = Digest.Compute("no such manifest"u8) };
        var gone = await Assert.ThrowsAnyAsync<Exception>(() => Store.References.TagAsync("conformance-missing", missing, Ct));
        Assert.Equal(StoreErrorKind.NotFound, StoreErrors.Classify(gone));
        Assert.Null(await Store.References.ResolveAsync("conformance-missing", Ct));
    }

    [SkippableFact]
    public async Task Untag_removes_a_tag_but_never_an_entry()
    {
        var deleter = Require<IReferenceDeleter>(Store.References, StoreCapabilities.DeleteReferences);
        var a = await TestImages.AddImageAsync(Store.Blobs, "a", "untag");
        await Store.References.TagAsync("conformance-untag", await DescriptorAsync(a.ManifestDigest), Ct);
        var entry = await Store.PutEntryAsync(TestImages.Entry("p/untag", T0, a), Ct);

        Assert.True(await deleter.UntagAsync("conformance-untag", Ct));
        Assert.False(await deleter.UntagAsync("conformance-untag", Ct));
        Assert.Null(await Store.References.ResolveAsync("conformance-untag", Ct));
        if (entry.RefName is { } refName)
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => deleter.UntagAsync(refName, Ct));
            Assert.Equal(StoreErrorKind.Invalid, StoreErrors.Classify(e));
        }

        Assert.Single(await Store.ListEntriesAsync(Ct));
    }

    /// <summary>The descriptor of a stored manifest blob.</summary>
    protected async Task<Descriptor> DescriptorAsync(Digest manifest) =>
        new() { MediaType = MediaType.OciImageManifest, Digest = manifest, Size = (await Store.Blobs.TryGetSizeAsync(manifest, Ct))!.Value };

    protected async Task<List<BlobInfo>> ListBlobsAsync()
    {
        var list = new List<BlobInfo>();
        await foreach (var blob in BlobEnumerator.ListAsync(Ct))
        {
            list.Add(blob);
        }

        return list;
    }

    /// <summary>The digests an entry references: its index, manifests, configs and layers.</summary>
    protected async Task<List<Digest>> ClosureAsync(CacheEntry entry)
    {
        var result = new List<Digest> { entry.Id };
        foreach (var stage in entry.Stages)
        {
            await using var stream = await Store.Blobs.OpenReadAsync(stage.ManifestDigest, Ct);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, Ct);
            var manifest = OciJson.DeserializeManifest(buffer.ToArray());
            result.Add(stage.ManifestDigest);
            result.Add(manifest.Config.Digest);
            result.AddRange(manifest.Layers.Select(l => l.Digest));
        }

        return [.. result.Distinct()];
    }

    /// <summary>
    /// The store as a capability, or the case is skipped; a store whose declared capabilities disagree
    /// with the interfaces it implements fails instead.
    /// </summary>
    protected T Require<T>(object implementer, StoreCapabilities capability)
        where T : class
    {
        var declared = Store.Has(capability);
        Assert.True(declared == implementer is T, $"the store declares {capability} = {declared} but {(implementer is T ? "implements" : "does not implement")} {typeof(T).Name}");
        Skip.IfNot(declared, $"the store lacks {capability}");
        return (T)implementer;
    }

    /// <summary>
    /// Every entry is whole: verified when the store can verify, else every manifest, config and layer
    /// each entry references is present with its size (what a restore needs).
    /// </summary>
    protected async Task AssertWholeAsync()
    {
        if (Store is IVerifiableCacheStore verifiable)
        {
            var report = await verifiable.VerifyAsync(Ct);
            Assert.True(report.IsClean, string.Join("; ", report.Problems.Select(p => p.ToString())));
            return;
        }

        foreach (var entry in await Store.ListEntriesAsync(Ct))
        {
            foreach (var stage in entry.Stages)
            {
                Assert.Equal(stage.ManifestSize, await Store.Blobs.TryGetSizeAsync(stage.ManifestDigest, Ct));
                Assert.NotNull(await Store.Blobs.StatAsync(stage.ConfigDigest, Ct));
                foreach (var layer in stage.Layers)
                {
                    Assert.Equal(layer.Stored.Size, await Store.Blobs.TryGetSizeAsync(layer.Stored.Digest, Ct));
                }
            }
        }
    }
}
