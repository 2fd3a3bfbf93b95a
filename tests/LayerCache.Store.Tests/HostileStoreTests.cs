using System.Diagnostics;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Store.Tests;

/// <summary>
/// A store is untrusted input (it comes back from a CI cache): links, FIFOs and devices in it must
/// not make the store act outside it, hang, or read without bound; the worst is a typed error (a
/// cache miss), and a writer's open (Heal) rebuilds it.
/// </summary>
[Collection(AllocationMeasurements.Name)]
public sealed class HostileStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _temp = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    private string Dir => _temp.Combine("store");

    private string Outside => _temp.Combine("outside");

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Tmp_as_a_link_is_damage_and_nothing_in_its_target_is_swept()
    {
        var (store, _) = await NewStoreWithEntryAsync();
        var victim = Path.Combine(Outside, "old-file");
        File.SetLastWriteTimeUtc(victim, DateTime.UtcNow.AddDays(-30));
        var before = HostileFiles.Fingerprint(Outside);
        HostileFiles.Link(Path.Combine(Dir, ".tmp"), Outside);

        // Open refuses it, and so does a prune by a store opened before the swap: nothing is swept through the link.
        await Assert.ThrowsAsync<StoreCorruptException>(() => FileSystemCacheStore.OpenAsync(Dir, Ct).WaitAsync(Quick, Ct));
        await Assert.ThrowsAsync<StoreCorruptException>(() => store.PruneAsync(RetentionPolicy.KeepAll, T0, Ct).WaitAsync(Quick, Ct));
        Assert.Equal(before, HostileFiles.Fingerprint(Outside));

        var healed = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { Heal = true }, Ct).WaitAsync(Quick, Ct);
        Assert.NotNull(healed.RebuiltBecause);
        Assert.Contains(".tmp", healed.RebuiltBecause, StringComparison.Ordinal);
        Assert.Equal(FileKind.Directory, UntrustedFile.GetKind(Path.Combine(Dir, ".tmp")));
        Assert.True((await healed.VerifyAsync(Ct)).IsClean);
        Assert.Equal(before, HostileFiles.Fingerprint(Outside));
    }

    [Fact]
    public async Task Blobs_sha256_as_a_link_is_damage_and_prune_deletes_nothing_in_its_target()
    {
        var (store, _) = await NewStoreWithEntryAsync();

        // The target looks like a blob directory: digest-named files nobody in this store references.
        for (var i = 0; i < 3; i++)
        {
            var content = Encoding.UTF8.GetBytes($"engine image {i}");
            await File.WriteAllBytesAsync(Path.Combine(Outside, Digest.Compute(content).Hex), content, Ct);
        }

        var before = HostileFiles.Fingerprint(Outside);
        var real = Path.Combine(Dir, "blobs", "sha256");
        Directory.Move(real, Path.Combine(Dir, "moved-away"));
        HostileFiles.Link(real, Outside);

        var refused = await Assert.ThrowsAsync<StoreCorruptException>(() => FileSystemCacheStore.OpenAsync(Dir, Ct).WaitAsync(Quick, Ct));
        Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StoreCorruptException>(() => store.PruneAsync(new RetentionPolicy { KeepCurrent = true }, T0, Ct).WaitAsync(Quick, Ct));
        Assert.Equal(before, HostileFiles.Fingerprint(Outside));

        var healed = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { Heal = true }, Ct).WaitAsync(Quick, Ct);
        Assert.NotNull(healed.RebuiltBecause);
        await healed.PruneAsync(new RetentionPolicy { KeepCurrent = true }, T0, Ct);
        Assert.Equal(before, HostileFiles.Fingerprint(Outside));
        Assert.Equal(FileKind.Directory, UntrustedFile.GetKind(real));
    }

    [Theory]
    [InlineData(FileSystemCacheStore.IndexLockFileName)]
    [InlineData(FileSystemCacheStore.GcLockFileName)]
    public async Task A_lock_file_linked_elsewhere_never_creates_its_target(string lockName)
    {
        await NewStoreWithEntryAsync();
        var target = Path.Combine(Outside, "created-by-layercache");
        HostileFiles.Link(Path.Combine(Dir, lockName), target);

        var e = await Assert.ThrowsAsync<StoreCorruptException>(async () =>
        {
            var store = await FileSystemCacheStore.OpenAsync(Dir, Ct).WaitAsync(Quick, Ct);
            await (await store.BeginWriteAsync(Ct).WaitAsync(Quick, Ct)).DisposeAsync();
        });
        Assert.Contains(lockName, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));

        var healed = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { Heal = true }, Ct).WaitAsync(Quick, Ct);
        await (await healed.BeginWriteAsync(Ct)).DisposeAsync();
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task A_fifo_as_the_gc_lock_fails_at_once_instead_of_blocking()
    {
        var (store, _) = await NewStoreWithEntryAsync();
        HostileFiles.MakeFifo(Path.Combine(Dir, FileSystemCacheStore.GcLockFileName));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<StoreCorruptException>(() => store.PruneAsync(RetentionPolicy.KeepAll, T0, Ct).WaitAsync(Quick, Ct));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_fifo_as_a_blob_is_damaged_content_not_a_hang()
    {
        var (store, entry) = await NewStoreWithEntryAsync();
        var layer = entry.Stages[0].ManifestDigest;
        HostileFiles.MakeFifo(((FileSystemBlobStore)store.Blobs).GetBlobPath(layer));

        await Assert.ThrowsAnyAsync<ContentVerificationException>(() => store.Blobs.OpenReadAsync(layer, Ct).WaitAsync(Quick, Ct));
        var report = await store.VerifyAsync(Ct).WaitAsync(Quick, Ct);
        Assert.False(report.IsClean);
        // The FIFO is damage: refused until a writer rebuilds the store, whose prune then drops the broken entry.
        await Assert.ThrowsAsync<StoreCorruptException>(() => store.PruneAsync(RetentionPolicy.KeepAll, T0, Ct).WaitAsync(Quick, Ct));
        await Assert.ThrowsAsync<StoreCorruptException>(() => FileSystemCacheStore.OpenAsync(Dir, Ct).WaitAsync(Quick, Ct));
        var healed = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { Heal = true }, Ct).WaitAsync(Quick, Ct);
        Assert.NotNull(healed.RebuiltBecause);
        var pruned = await healed.PruneAsync(RetentionPolicy.KeepAll, T0, Ct).WaitAsync(Quick, Ct);
        Assert.Equal(entry.RefName, Assert.Single(pruned.BrokenEntriesRemoved));
        Assert.True((await healed.VerifyAsync(Ct)).IsClean);
    }

    [Fact]
    public async Task Index_json_linked_to_dev_zero_is_refused_quickly_and_rebuilt_by_a_writer()
    {
        await NewStoreWithEntryAsync();
        HostileFiles.Link(Path.Combine(Dir, "index.json"), "/dev/zero");

        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var e = await Assert.ThrowsAsync<StoreCorruptException>(() => FileSystemCacheStore.OpenAsync(Dir, Ct).WaitAsync(Quick, Ct));
        Assert.Contains("index.json", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - allocated < 64L * 1024 * 1024, "reading index.json must be bounded");

        var healed = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { Heal = true }, Ct).WaitAsync(Quick, Ct);
        Assert.Equal(FileKind.File, UntrustedFile.GetKind(Path.Combine(Dir, "index.json")));
        Assert.Empty(await healed.ListEntriesAsync(Ct));
        Assert.True((await healed.VerifyAsync(Ct)).IsClean);
    }

    [Fact]
    public async Task A_huge_index_json_is_read_no_further_than_the_document_limit()
    {
        await NewStoreWithEntryAsync();
        await using (var file = File.Create(Path.Combine(Dir, "index.json")))
        {
            file.SetLength(DocumentReader.MaxSize + 1);
        }

        await Assert.ThrowsAsync<StoreCorruptException>(() => FileSystemCacheStore.OpenAsync(Dir, Ct).WaitAsync(Quick, Ct));
    }

    [Theory]
    [InlineData("index.json", "{\"schemaVersion\": 2, \"manifests\": [")]
    [InlineData("oci-layout", "{\"imageLayoutVersion\": \"2.0.0\"}")]
    public async Task A_writer_rebuilds_a_store_it_cannot_use_and_it_then_verifies(string file, string content)
    {
        await NewStoreWithEntryAsync();
        await File.WriteAllTextAsync(Path.Combine(Dir, file), content, Ct);
        await Assert.ThrowsAsync<StoreCorruptException>(() => FileSystemCacheStore.OpenAsync(Dir, Ct));

        var healed = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { Heal = true }, Ct);
        Assert.Contains(file, healed.RebuiltBecause, StringComparison.Ordinal);
        await using (await healed.BeginWriteAsync(Ct))
        {
            await healed.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(healed.Blobs, "app", "after")), Ct);
        }

        var reopened = await FileSystemCacheStore.OpenAsync(Dir, Ct);
        Assert.Null(reopened.RebuiltBecause);
        Assert.Single(await reopened.ListEntriesAsync(Ct));
        Assert.True((await reopened.VerifyAsync(Ct)).IsClean);
    }

    [Fact]
    public async Task A_writers_open_collects_the_orphans_a_failed_save_left()
    {
        var (store, entry) = await NewStoreWithEntryAsync();
        var orphan = await store.Blobs.WriteAsync(new MemoryStream(new byte[1 << 20]), null, null, Ct);
        var debris = Path.Combine(Dir, ".tmp", "write-debris");
        await File.WriteAllBytesAsync(debris, new byte[1000], Ct);
        File.SetLastWriteTimeUtc(debris, DateTime.UtcNow.AddDays(-1));

        await FileSystemCacheStore.OpenAsync(Dir, Ct);
        Assert.True(await store.Blobs.ExistsAsync(orphan.Digest, Ct));

        var healed = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { Heal = true }, Ct);
        Assert.Null(healed.RebuiltBecause);
        Assert.False(await store.Blobs.ExistsAsync(orphan.Digest, Ct));
        Assert.False(File.Exists(debris));
        Assert.Equal(entry.Id, Assert.Single(await healed.ListEntriesAsync(Ct)).Id);
    }

    [Fact]
    public async Task A_live_lock_holder_ends_in_a_typed_busy_error_within_the_bounded_default()
    {
        Assert.True(new FileSystemCacheStoreOptions().LockTimeout <= TimeSpan.FromMinutes(1), "a CI build must not wait minutes for a stuck lock holder");
        var (store, _) = await NewStoreWithEntryAsync();
        var quick = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { LockTimeout = TimeSpan.FromMilliseconds(300) }, Ct);
        await using (await store.BeginWriteAsync(Ct))
        {
            var e = await Assert.ThrowsAsync<StoreLockTimeoutException>(() => quick.PruneAsync(RetentionPolicy.KeepAll, T0, Ct).WaitAsync(Quick, Ct));
            Assert.Contains("busy", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_lock_that_cannot_be_opened_fails_at_once_instead_of_waiting_as_if_held()
    {
        var (_, _) = await NewStoreWithEntryAsync();
        var slow = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { LockTimeout = TimeSpan.FromMinutes(10) }, Ct);

        // Not contention: the lock file is a directory. Like EROFS, retrying cannot help.
        File.Delete(Path.Combine(Dir, FileSystemCacheStore.GcLockFileName));
        Directory.CreateDirectory(Path.Combine(Dir, FileSystemCacheStore.GcLockFileName));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<StoreException>(() => slow.BeginWriteAsync(Ct).WaitAsync(Quick, Ct));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_read_only_store_is_read_and_fails_a_writer_at_once_never_as_lock_contention()
    {
        // A real EROFS: a tmpfs holding the store, remounted read-only (needs root, as the e2e tests do).
        Directory.CreateDirectory(Dir);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", Dir);
        try
        {
            var (store, entry) = await NewStoreWithEntryAsync();
            await RunAsync("mount", "-o", "remount,ro", Dir);
            var options = new FileSystemCacheStoreOptions { LockTimeout = TimeSpan.FromMinutes(10) };

            // Reading works: a restore from a read-only cache is fine.
            var reader = await FileSystemCacheStore.OpenAsync(Dir, options, Ct).WaitAsync(Quick, Ct);
            Assert.Equal(entry.Id, Assert.Single(await reader.ListEntriesAsync(Ct)).Id);

            // Writing fails in seconds with the file system's reason, not after the lock timeout.
            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAnyAsync<IOException>(async () =>
            {
                var writer = await FileSystemCacheStore.OpenAsync(Dir, options with { Heal = true }, Ct).WaitAsync(Quick, Ct);
                await using (await writer.BeginWriteAsync(Ct).WaitAsync(Quick, Ct))
                {
                    await writer.Blobs.WriteAsync(new MemoryStream(new byte[100]), null, null, Ct).WaitAsync(Quick, Ct);
                }
            });
            Assert.IsNotType<StoreLockTimeoutException>(e);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");

            // Without the lock file, creating it fails at once and says why.
            await RunAsync("mount", "-o", "remount,rw", Dir);
            File.Delete(Path.Combine(Dir, FileSystemCacheStore.GcLockFileName));
            await RunAsync("mount", "-o", "remount,ro", Dir);
            clock.Restart();
            var locked = await Assert.ThrowsAsync<StoreException>(() => store.BeginWriteAsync(Ct).WaitAsync(Quick, Ct));
            Assert.Contains("read-only", locked.Message, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        }
        finally
        {
            await RunAsync("umount", "-l", Dir);
        }
    }

    [Fact]
    public async Task Verify_checks_declared_sizes_and_prune_drops_the_entry_that_lies()
    {
        var store = await FileSystemCacheStore.OpenAsync(Dir, Ct);
        var layer = TestImages.Layer("small");
        var written = await store.Blobs.WriteAsync(new MemoryStream(layer), null, null, Ct);
        var config = OciJson.SerializeWithDigest(new ImageConfig { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [DiffId.FromDigest(written.Digest)] } });
        await store.Blobs.WriteAsync(new MemoryStream(config.Content.ToArray()), null, null, Ct);
        var manifest = OciJson.SerializeWithDigest(new ImageManifest
        {
            Config = new Descriptor { MediaType = MediaType.OciImageConfig, Digest = config.Digest, Size = config.Size },
            Layers = [new Descriptor { MediaType = MediaType.OciLayer, Digest = written.Digest, Size = 1_000_000_000_000_000 }],
        });
        await store.Blobs.WriteAsync(new MemoryStream(manifest.Content.ToArray()), null, null, Ct);
        await using (await store.BeginWriteAsync(Ct))
        {
            await store.PutEntryAsync(TestImages.Entry("p/main", T0, new StageImage { Name = "app", ManifestDigest = manifest.Digest }), Ct);
        }

        var report = await store.VerifyAsync(Ct);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(written.Digest, problem.Digest);
        Assert.Contains("1000000000000000", problem.Detail, StringComparison.Ordinal);
        Assert.NotEmpty(report.BrokenEntries);

        var pruned = await store.PruneAsync(RetentionPolicy.KeepAll, T0, Ct);
        Assert.Single(pruned.BrokenEntriesRemoved);
        Assert.True((await store.VerifyAsync(Ct)).IsClean);
    }

    [Fact]
    public async Task Four_writers_with_a_pruner_looping_beside_them_lose_nothing_and_verify_clean()
    {
        await FileSystemCacheStore.OpenAsync(Dir, Ct);
        using var done = new CancellationTokenSource();

        // The writers start once the pruner has finished a first pass, so it is looping beside them
        // (on a fast machine four writers could otherwise be done before any prune ran).
        var pruning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var prunes = 0;
        var pruner = Task.Run(async () =>
        {
            var store = await FileSystemCacheStore.OpenAsync(Dir, Ct);
            while (!done.IsCancellationRequested)
            {
                await store.PruneAsync(RetentionPolicy.KeepAll, T0, Ct);
                prunes++;
                pruning.TrySetResult();

                // A pause between passes, as between the prunes of separate CI jobs: flock is not fair,
                // so a pruner re-taking the exclusive lock back to back can starve the writers' shared
                // lock past its 30 s limit (a known limit, in the closing note of issue 9).
                await Task.Delay(20, Ct);
            }
        });

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            await pruning.Task.WaitAsync(Ct);
            var store = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { Heal = true }, Ct);
            var ids = new List<Digest>();
            for (var i = 0; i < 4; i++)
            {
                await using var session = await store.BeginWriteAsync(Ct);
                var stage = await TestImages.AddImageAsync(store.Blobs, "app", "shared-base", $"w{w}-{i}");
                ids.Add((await store.PutEntryAsync(TestImages.Entry($"p/w{w}", T0.AddMinutes(i), stage), Ct)).Id);
            }

            return ids;
        })).ToList();

        var published = (await Task.WhenAll(writers)).SelectMany(ids => ids).ToList();
        await done.CancelAsync();
        await pruner;

        var final = await FileSystemCacheStore.OpenAsync(Dir, Ct);
        Assert.True(prunes > 0);
        Assert.Equal(published.Order(), (await final.ListEntriesAsync(Ct)).Select(e => e.Id).Order());
        Assert.True((await final.VerifyAsync(Ct)).IsClean);
    }

    private static async Task RunAsync(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)}: {error}");
    }

    private async Task<(FileSystemCacheStore Store, CacheEntry Entry)> NewStoreWithEntryAsync()
    {
        Directory.CreateDirectory(Outside);
        await File.WriteAllTextAsync(Path.Combine(Outside, "old-file"), "keep me", Ct);
        Directory.CreateDirectory(Path.Combine(Outside, "nested"));
        await File.WriteAllTextAsync(Path.Combine(Outside, "nested", "data"), "keep me too", Ct);
        var store = await FileSystemCacheStore.OpenAsync(Dir, Ct);
        CacheEntry entry;
        await using (await store.BeginWriteAsync(Ct))
        {
            entry = await store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(store.Blobs, "app", "base", "top")), Ct);
        }

        return (store, entry);
    }
}
