using System.Text;
using LayerCache.Oci;

namespace LayerCache.Store.Tests;

/// <summary>
/// A few hundred random mutations of a valid store (links in and out, FIFOs, /dev/zero, truncations,
/// huge sizes, bad JSON, wrong oci-layout, directories for files), each run through every store
/// operation: each ends within a time limit, with bounded allocation, with only the typed store
/// errors, touching nothing outside the sandbox; and a writer's open (Heal) always makes it usable.
/// Seeded, so a failure names an iteration that reproduces.
/// </summary>
[Collection(AllocationMeasurements.Name)]
public sealed class StoreFuzzTests : IDisposable
{
    private const int Seed = 20261202;
    private const int Iterations = 300;
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private const long MaxAllocatedPerIteration = 128L * 1024 * 1024;

    private readonly TempDirectory _temp = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(10));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Random_mutations_of_a_store_end_quickly_in_typed_errors_touch_nothing_outside_and_heal()
    {
        var template = _temp.Combine("template");
        await BuildTemplateAsync(template);
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(Path.Combine(outside, "nested"));
        await File.WriteAllTextAsync(Path.Combine(outside, "file"), "sentinel", Ct);
        await File.WriteAllTextAsync(Path.Combine(outside, "nested", "old"), "sentinel", Ct);
        File.SetLastWriteTimeUtc(Path.Combine(outside, "nested", "old"), DateTime.UtcNow.AddDays(-30));
        var blobLike = Encoding.UTF8.GetBytes("an engine's blob");
        await File.WriteAllBytesAsync(Path.Combine(outside, Digest.Compute(blobLike).Hex), blobLike, Ct);
        var sentinel = HostileFiles.Fingerprint(outside);

        var random = new Random(Seed);
        var typedFailures = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var dir = _temp.Combine("sandbox", $"store-{i}");
            CopyTree(template, dir);
            var applied = new List<string>();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                applied.Add(await MutateAsync(dir, outside, random));
            }

            var context = $"iteration {i} (seed {Seed}): {string.Join("; ", applied)}";
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            typedFailures += await RunOperationsAsync(dir, i, context);
            var used = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            Assert.True(used < MaxAllocatedPerIteration, $"{context}: allocated {used} bytes");
            Assert.True(sentinel.SequenceEqual(HostileFiles.Fingerprint(outside)), $"{context}: the directory outside the store changed");
            Directory.Delete(dir, recursive: true);
        }

        // The mutations must actually bite; a fuzz whose every operation succeeds proves nothing.
        Assert.True(typedFailures > Iterations / 2, $"only {typedFailures} typed failures");
    }

    private static bool IsTyped(Exception e) =>
        e is StoreException or ContentVerificationException or BlobNotFoundException or OciFormatException;

    private async Task<int> RunOperationsAsync(string dir, int iteration, string context)
    {
        var failures = 0;

        async Task Attempt(string operation, Func<Task> action)
        {
            try
            {
                await action().WaitAsync(Limit, Ct);
            }
            catch (Exception e) when (IsTyped(e))
            {
                failures++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{context}: {operation} threw {e.GetType().Name}: {e}");
            }
        }

        FileSystemCacheStore? store = null;
        await Attempt("open", async () => store = await FileSystemCacheStore.OpenAsync(dir, new FileSystemCacheStoreOptions { LockTimeout = TimeSpan.FromSeconds(2) }, Ct));
        if (store is not null)
        {
            await Attempt("list", () => store.ListEntriesAsync(Ct));
            await Attempt("restore selection", async () =>
            {
                foreach (var entry in await store.FindEntriesAsync(CacheScope.Parse("p/main"), Ct))
                {
                    foreach (var stage in entry.Stages)
                    {
                        var manifest = OciJson.DeserializeManifest(await ContentGraph.ReadDocumentAsync(store.Blobs, stage.ManifestDigest, Ct));
                        foreach (var layer in manifest.Layers)
                        {
                            await using var content = await store.Blobs.OpenReadAsync(layer.Digest, Ct);
                            await content.CopyToAsync(Stream.Null, Ct);
                        }
                    }
                }
            });
            await Attempt("verify", () => store.VerifyAsync(Ct));
            await Attempt("prune", () => store.PruneAsync(new RetentionPolicy { KeepCurrent = true }, T0, Ct));
        }

        // A save must always get a usable store: Heal rebuilds what it cannot use.
        var healed = await FileSystemCacheStore.OpenAsync(dir, new FileSystemCacheStoreOptions { Heal = true, LockTimeout = TimeSpan.FromSeconds(2) }, Ct).WaitAsync(Limit, Ct);
        CacheEntry saved;
        await using (await healed.BeginWriteAsync(Ct))
        {
            var stage = await TestImages.AddImageAsync(healed.Blobs, "app", $"saved-{iteration}");
            saved = await healed.PutEntryAsync(TestImages.Entry("p/main", T0.AddHours(1), stage), Ct).WaitAsync(Limit, Ct);
        }

        await healed.PruneAsync(new RetentionPolicy { KeepCurrent = true }, T0.AddHours(1), Ct).WaitAsync(Limit, Ct);
        var report = await healed.VerifyAsync(Ct).WaitAsync(Limit, Ct);
        Assert.True(!report.BrokenEntries.Contains(saved.RefName!), $"{context}: the entry saved after healing is broken");
        Assert.Contains(saved.Id, (await healed.ListEntriesAsync(Ct)).Select(e => e.Id));
        return failures;
    }

    private async Task<string> MutateAsync(string dir, string outside, Random random)
    {
        var paths = Walk(dir)
            .Concat([Path.Combine(dir, FileSystemCacheStore.IndexLockFileName), Path.Combine(dir, FileSystemCacheStore.GcLockFileName), Path.Combine(dir, ".tmp", "write-x")])
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        var files = paths.Where(p => UntrustedFile.GetKind(p) == FileKind.File).ToList();
        var target = paths[random.Next(paths.Count)];
        var name = Path.GetRelativePath(dir, target);
        switch (random.Next(11))
        {
            case 0:
            {
                string[] targets = [outside, Path.Combine(outside, "file"), "/dev/zero", "/nonexistent/x", Path.Combine(outside, "nested")];
                var to = targets[random.Next(targets.Length)];
                if (UntrustedFile.GetKind(Path.GetDirectoryName(target)!) != FileKind.Directory)
                {
                    return "no-op";
                }

                HostileFiles.Link(target, to);
                return $"link {name} -> {to}";
            }

            case 1:
            {
                // A link inside the store, to another of its files.
                var to = files[random.Next(files.Count)];
                if (to == target || UntrustedFile.GetKind(Path.GetDirectoryName(target)!) != FileKind.Directory)
                {
                    return "no-op";
                }

                HostileFiles.Link(target, to);
                return $"link {name} -> {Path.GetRelativePath(dir, to)}";
            }

            case 2:
                if (UntrustedFile.GetKind(Path.GetDirectoryName(target)!) != FileKind.Directory)
                {
                    return "no-op";
                }

                HostileFiles.MakeFifo(target);
                return $"fifo {name}";
            case 3:
            {
                var file = files[random.Next(files.Count)];
                var length = new FileInfo(file).Length;
                await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
                {
                    stream.SetLength(random.NextInt64(0, Math.Max(1, length)));
                }

                return $"truncate {Path.GetRelativePath(dir, file)}";
            }

            case 4:
            {
                var file = files[random.Next(files.Count)];
                string[] junk = ["{", "null", "[]", "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":1}]}", "\"\u0000\"", new string('[', 10_000), "{\"schemaVersion\":2,\"manifests\":null}"];
                await File.WriteAllTextAsync(file, junk[random.Next(junk.Length)], Ct);
                return $"bad json in {Path.GetRelativePath(dir, file)}";
            }

            case 5:
            {
                var bytes = new byte[random.Next(1, 5000)];
                random.NextBytes(bytes);
                var file = files[random.Next(files.Count)];
                await File.WriteAllBytesAsync(file, bytes, Ct);
                return $"random bytes in {Path.GetRelativePath(dir, file)}";
            }

            case 6:
            {
                // Huge declared sizes in index.json (entries and an extra manifest descriptor).
                var index = Path.Combine(dir, "index.json");
                if (UntrustedFile.GetKind(index) != FileKind.File)
                {
                    return "no-op";
                }

                var text = await File.ReadAllTextAsync(index, Ct);
                var huge = random.Next(2) == 0 ? "1000000000000000" : "9223372036854775807";
                await File.WriteAllTextAsync(index, System.Text.RegularExpressions.Regex.Replace(text, "\"size\":\\s*\\d+", $"\"size\":{huge}"), Ct);
                return $"huge sizes ({huge}) in index.json";
            }

            case 7:
                if (UntrustedFile.GetKind(Path.Combine(dir, "oci-layout")) != FileKind.File)
                {
                    return "no-op";
                }

                await File.WriteAllTextAsync(Path.Combine(dir, "oci-layout"), random.Next(2) == 0 ? "{\"imageLayoutVersion\":\"9.0.0\"}" : "{}", Ct);
                return "wrong oci-layout";
            case 8:
            {
                // A big sparse file under a blob's name: reading it must stay streamed and bounded.
                var blobs = files.Where(f => f.Contains("blobs", StringComparison.Ordinal)).DefaultIfEmpty(files[0]).ToList();
                var file = blobs[random.Next(blobs.Count)];
                await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
                {
                    stream.SetLength(16L * 1024 * 1024);
                }

                return $"sparse 16 MiB {Path.GetRelativePath(dir, file)}";
            }

            case 9:
            {
                var file = files[random.Next(files.Count)];
                File.Delete(file);
                Directory.CreateDirectory(file);
                await File.WriteAllTextAsync(Path.Combine(file, "inner"), "x", Ct);
                return $"directory for {Path.GetRelativePath(dir, file)}";
            }

            default:
            {
                var file = files[random.Next(files.Count)];
                File.Delete(file);
                return $"remove {Path.GetRelativePath(dir, file)}";
            }
        }
    }

    private async Task BuildTemplateAsync(string dir)
    {
        var store = await FileSystemCacheStore.OpenAsync(dir, Ct);
        await using (await store.BeginWriteAsync(Ct))
        {
            var old = await TestImages.AddImageAsync(store.Blobs, "app", "base", "old");
            await store.PutEntryAsync(TestImages.Entry("p/main", T0.AddMinutes(-10), old), Ct);
            var build = await TestImages.AddImageAsync(store.Blobs, "build", "base", "compiler");
            var app = await TestImages.AddImageAsync(store.Blobs, "app", [TestImages.Layer("base"), TestImages.Layer("top")], gzip: true, Ct);
            await store.PutEntryAsync(TestImages.Entry("p/main", T0, build, app), Ct);
        }
    }

    // The store's own files and directories; never descends through a link (the mutations must stay in the sandbox too).
    private static IEnumerable<string> Walk(string directory)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            var kind = UntrustedFile.GetKind(path);
            if (kind == FileKind.File)
            {
                yield return path;
            }
            else if (kind == FileKind.Directory)
            {
                yield return path;
                foreach (var inner in Walk(path))
                {
                    yield return inner;
                }
            }
        }
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
