using System.Text;
using System.Text.Json;
using LayerCache.Oci;
using LayerCache.Testing;

namespace LayerCache.Store.Tests;

/// <summary>The conformance suite over the filesystem store, plus what only a directory has: layout files, SUMMARY, locks, temp debris, skopeo.</summary>
public sealed class FileSystemCacheStoreTests : CacheStoreConformance
{
    private TempDirectory? _temp;

    private string Dir => _temp!.Combine("store");

    [Fact]
    public void Open_creates_an_oci_image_layout()
    {
        var layout = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "oci-layout")));
        Assert.Equal("1.0.0", layout.RootElement.GetProperty("imageLayoutVersion").GetString());
        var index = OciJson.DeserializeIndex(File.ReadAllBytes(Path.Combine(Dir, "index.json")));
        Assert.Empty(index.Manifests);
        Assert.True(Directory.Exists(Path.Combine(Dir, "blobs", "sha256")));
        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(Dir, FileSystemCacheStore.SummaryFileName)));
    }

    [Fact]
    public async Task An_entry_s_inputs_digest_and_target_stage_are_read_back_from_its_blob()
    {
        var inputs = Digest.Compute("inputs"u8.ToArray());
        var entry = TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "x")) with { InputsDigest = inputs, InputsTarget = "app" };
        var stored = await Store.PutEntryAsync(entry, Ct);
        var read = Assert.Single(await Store.FindEntriesAsync(CacheScope.Parse("p/main"), Ct));
        Assert.Equal(stored.Id, read.Id);
        Assert.Equal(inputs, read.InputsDigest);
        Assert.Equal("app", read.InputsTarget);

        // Another digest is another entry blob: the digest is part of what the entry id covers.
        var other = await Store.PutEntryAsync(entry with { InputsDigest = Digest.Compute("other"u8.ToArray()) }, Ct);
        Assert.NotEqual(stored.Id, other.Id);
    }

    [Fact]
    public async Task Corrupt_index_json_is_a_typed_error_naming_the_file()
    {
        var path = Path.Combine(Dir, "index.json");
        await File.WriteAllTextAsync(path, "{\"schemaVersion\": 2, \"manifests\": [", Ct);

        var e = await Assert.ThrowsAsync<StoreCorruptException>(() => FileSystemCacheStore.OpenAsync(Dir, Ct));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.Path);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Corrupt_oci_layout_is_a_typed_error_naming_the_file()
    {
        var path = Path.Combine(Dir, "oci-layout");
        await File.WriteAllTextAsync(path, "not json", Ct);

        var e = await Assert.ThrowsAsync<StoreCorruptException>(() => FileSystemCacheStore.OpenAsync(Dir, Ct));

        Assert.Contains("oci-layout", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Message.Split(path).Length);
    }

    [Fact]
    public async Task Content_other_tools_tagged_in_the_layout_is_preserved_and_never_collected()
    {
        var foreign = await TestImages.AddImageAsync(Store.Blobs, "x", "foreign");
        var layout = await OciLayout.OpenAsync(Dir, Ct);
        var size = new FileInfo(layout.GetBlobPath(foreign.ManifestDigest)).Length;
        await layout.TagAsync("someone-elses-image", new Descriptor { MediaType = MediaType.OciImageManifest, Digest = foreign.ManifestDigest, Size = size }, Ct);

        await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "mine")), Ct);
        var report = await Prunable.PruneAsync(new RetentionPolicy { KeepCurrent = true }, T0, Ct);

        Assert.Equal(0, report.BlobsRemoved);
        Assert.Equal(foreign.ManifestDigest, Assert.Single(OciJson.DeserializeIndex(await File.ReadAllBytesAsync(layout.IndexPath, Ct)).FindByRefName("someone-elses-image")).Digest);
        Assert.True(await Store.Blobs.ExistsAsync(Digest.Compute(TestImages.Layer("foreign")), Ct));
        Assert.True((await Verifiable.VerifyAsync(Ct)).IsClean);
    }

    /// <summary>Rewrites an annotation of every entry descriptor in index.json, as anyone who can write the store can.</summary>
    private async Task EditIndexAnnotationAsync(string key, string value)
    {
        var path = Path.Combine(Dir, "index.json");
        var index = OciJson.DeserializeIndex(await File.ReadAllBytesAsync(path, Ct));
        var edited = index with
        {
            Manifests = [.. index.Manifests.Select(d => d.GetAnnotation(StoreAnnotations.Kind) == StoreAnnotations.KindEntry ? d.WithAnnotation(key, value) : d)],
        };
        await File.WriteAllBytesAsync(path, OciJson.SerializeWithDigest(edited).Content.ToArray(), Ct);
    }

    [Fact]
    public async Task An_entry_whose_index_json_scope_lies_is_not_found_for_that_scope()
    {
        await Store.PutEntryAsync(TestImages.Entry("p/pr-7", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "evil")), Ct);
        await EditIndexAnnotationAsync(StoreAnnotations.Scope, "p/main");

        var reopened = await FileSystemCacheStore.OpenAsync(Dir, Ct);

        Assert.Empty(await reopened.FindEntriesAsync(CacheScope.Parse("p/main"), Ct));
        Assert.Equal("p/pr-7", Assert.Single(await reopened.ListEntriesAsync(Ct)).Scope.Value);
    }

    [Fact]
    public async Task An_index_json_created_date_decides_nothing()
    {
        var real = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "real")), Ct);
        var older = await Store.PutEntryAsync(TestImages.Entry("p/main", T0.AddHours(-1), await TestImages.AddImageAsync(Store.Blobs, "app", "older")), Ct);
        await EditIndexAnnotationAsync(StoreAnnotations.Created, "9999-12-31T00:00:00Z");

        var reopened = await FileSystemCacheStore.OpenAsync(Dir, Ct);
        var found = await reopened.FindEntriesAsync(CacheScope.Parse("p/main"), Ct);
        var report = await reopened.PruneAsync(new RetentionPolicy { KeepCurrent = true }, T0.AddMinutes(1), Ct);

        Assert.Equal([real.Id, older.Id], found.Select(e => e.Id));
        Assert.Equal(T0, found[0].Created);
        Assert.Equal(older.Id, Assert.Single(report.EntriesRemoved).Id);
    }

    [Fact]
    public async Task Index_lists_entries_with_annotations_and_aliases_for_the_newest()
    {
        var old = await Store.PutEntryAsync(TestImages.Entry("myproject/main", T0, await TestImages.AddImageAsync(Store.Blobs, "runtime", "old")), Ct);
        var build = await TestImages.AddImageAsync(Store.Blobs, "build", "b");
        var runtime = await TestImages.AddImageAsync(Store.Blobs, "runtime", "r");
        var current = await Store.PutEntryAsync(TestImages.Entry("myproject/main", T0.AddHours(1), build, runtime), Ct);
        await Usage.MarkUsedAsync(current.Id, T0.AddHours(2), Ct);

        var index = OciJson.DeserializeIndex(await File.ReadAllBytesAsync(Path.Combine(Dir, "index.json"), Ct));

        var entry = Assert.Single(index.FindByRefName("myproject_main.20261122T083000Z"));
        Assert.Equal(current.Id, entry.Digest);
        Assert.Equal(MediaType.OciImageIndex, entry.MediaType);
        Assert.Equal(StoreAnnotations.KindEntry, entry.GetAnnotation(StoreAnnotations.Kind));
        Assert.Equal("myproject/main", entry.GetAnnotation(StoreAnnotations.Scope));
        Assert.Equal("2026-11-22T09:30:00Z", entry.GetAnnotation(StoreAnnotations.LastUsed));
        Assert.Equal(old.Id, Assert.Single(index.FindByRefName("myproject_main.20261122T073000Z")).Digest);
        Assert.Equal(runtime.ManifestDigest, Assert.Single(index.FindByRefName("myproject_main.runtime")).Digest);
        Assert.Equal(build.ManifestDigest, Assert.Single(index.FindByRefName("myproject_main.build")).Digest);
        Assert.Equal(4, index.Manifests.Count);

        // The entry blob itself carries the metadata, and no mutable time.
        await using var blob = await Store.Blobs.OpenReadAsync(current.Id, Ct);
        using var buffer = new MemoryStream();
        await blob.CopyToAsync(buffer, Ct);
        var entryIndex = OciJson.DeserializeIndex(buffer.ToArray());
        Assert.Equal("myproject/main", entryIndex.Annotations![StoreAnnotations.Scope]);
        Assert.Equal("2026-11-22T08:30:00Z", entryIndex.Annotations[StoreAnnotations.Created]);
        Assert.Equal(current.Key.Value, entryIndex.Annotations[StoreAnnotations.Key]);
        Assert.Contains("docker.io/library/busybox:1.36", entryIndex.Annotations[StoreAnnotations.BaseImages], StringComparison.Ordinal);
        Assert.False(entryIndex.Annotations.ContainsKey(StoreAnnotations.LastUsed));
        Assert.Equal(["build", "runtime"], entryIndex.Manifests.Select(m => m.GetAnnotation(StoreAnnotations.Stage)));
    }

    [Fact]
    public async Task Summary_is_stable_across_reopen_and_changes_with_content()
    {
        var summary = Path.Combine(Dir, FileSystemCacheStore.SummaryFileName);
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "x")), Ct);
        var afterPut = await File.ReadAllTextAsync(summary, Ct);
        Assert.Equal($"p/main p_main.20261122T073000Z {stored.Id} 2026-11-22\n", afterPut);

        await FileSystemCacheStore.OpenAsync(Dir, Ct);
        await Prunable.PruneAsync(RetentionPolicy.KeepAll, T0, Ct);
        await Usage.MarkUsedAsync(stored.Id, T0.AddHours(10), Ct);
        Assert.Equal(afterPut, await File.ReadAllTextAsync(summary, Ct));

        await Usage.MarkUsedAsync(stored.Id, T0.AddDays(1), Ct);
        var nextDay = await File.ReadAllTextAsync(summary, Ct);
        Assert.EndsWith(" 2026-11-23\n", nextDay, StringComparison.Ordinal);

        var second = await Store.PutEntryAsync(TestImages.Entry("p/dev", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "y")), Ct);
        var lines = (await File.ReadAllTextAsync(summary, Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["p/dev", "p/main"], lines.Select(l => l.Split(' ')[0]));
        Assert.Contains(second.Id.Value, lines[0], StringComparison.Ordinal);

        await Prunable.PruneAsync(new RetentionPolicy { KeepFor = TimeSpan.FromDays(1) }, T0.AddDays(1.5), Ct);
        Assert.Equal(nextDay, await File.ReadAllTextAsync(summary, Ct));
    }

    [Fact]
    public async Task Temp_debris_does_not_break_readers_and_stale_debris_is_collected()
    {
        var stored = await Store.PutEntryAsync(TestImages.Entry("p/main", T0, await TestImages.AddImageAsync(Store.Blobs, "app", "x")), Ct);
        var tmp = Path.Combine(Dir, FileSystemCacheStore.TempDirectoryName);
        Directory.CreateDirectory(tmp);

        // What a process killed mid-write leaves: a partial blob and a half-written index.
        var stale = Path.Combine(tmp, "blob-partial.tmp");
        await File.WriteAllBytesAsync(stale, TestImages.Layer("half")[..100], Ct);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));
        var staleIndex = Path.Combine(tmp, "index.json.0123.tmp");
        await File.WriteAllTextAsync(staleIndex, "{\"schemaVer", Ct);
        File.SetLastWriteTimeUtc(staleIndex, DateTime.UtcNow.AddHours(-2));
        var fresh = Path.Combine(tmp, "blob-in-progress.tmp");
        await File.WriteAllBytesAsync(fresh, [1, 2, 3], Ct);

        var reopened = await FileSystemCacheStore.OpenAsync(Dir, Ct);
        Assert.Equal([stored.Id], (await reopened.ListEntriesAsync(Ct)).Select(e => e.Id));
        Assert.True((await reopened.VerifyAsync(Ct)).IsClean);

        var report = await reopened.PruneAsync(RetentionPolicy.KeepAll, T0, Ct);

        Assert.Equal(2, report.TempFilesRemoved);
        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(staleIndex));
        Assert.True(File.Exists(fresh));
        Assert.Equal(0, report.BlobsRemoved);
        Assert.True((await reopened.VerifyAsync(Ct)).IsClean);
    }

    [Fact]
    public async Task A_held_lock_times_out_with_a_message_naming_the_lock_file()
    {
        var quick = await FileSystemCacheStore.OpenAsync(Dir, new FileSystemCacheStoreOptions { LockTimeout = TimeSpan.FromMilliseconds(300) }, Ct);
        await using var session = await Store.BeginWriteAsync(Ct);

        var e = await Assert.ThrowsAsync<StoreLockTimeoutException>(() => quick.PruneAsync(RetentionPolicy.KeepAll, T0, Ct));

        Assert.Contains(Path.Combine(Dir, FileSystemCacheStore.GcLockFileName), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skopeo_inspects_a_stage_alias_and_lists_its_layers()
    {
        Prerequisites.EnsureSkopeo();
        var runtime = await TestImages.AddImageAsync(Store.Blobs, "runtime", "base", "app");
        await Store.PutEntryAsync(TestImages.Entry("myproject/main", T0, runtime), Ct);

        var inspect = await SkopeoInspectAsync("myproject_main.runtime");

        var layers = inspect.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Equal([Digest.Compute(TestImages.Layer("base")).Value, Digest.Compute(TestImages.Layer("app")).Value], layers);
        Assert.Equal(runtime.ManifestDigest.Value, inspect.GetProperty("Digest").GetString());
    }

    [Fact]
    public async Task Skopeo_inspects_an_entry_ref()
    {
        Prerequisites.EnsureSkopeo();
        var runtime = await TestImages.AddImageAsync(Store.Blobs, "runtime", "base", "app");
        var entry = await Store.PutEntryAsync(TestImages.Entry("myproject/main", T0, runtime), Ct);

        var inspect = await SkopeoInspectAsync(entry.RefName!);

        Assert.Equal(2, inspect.GetProperty("Layers").GetArrayLength());
        Assert.Equal("linux", inspect.GetProperty("Os").GetString());
    }

    protected override Task CreateBackingAsync()
    {
        _temp = new TempDirectory();
        return Task.CompletedTask;
    }

    protected override async Task<ICacheStore> OpenStoreAsync() => await FileSystemCacheStore.OpenAsync(Dir, Ct);

    protected override async Task CorruptBlobAsync(Digest digest)
    {
        var path = BlobPath(digest);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes, Ct);
    }

    protected override Task RemoveBlobAsync(Digest digest)
    {
        File.Delete(BlobPath(digest));
        return Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _temp?.Dispose();
        }

        base.Dispose(disposing);
    }

    private string BlobPath(Digest digest) => Path.Combine(Dir, "blobs", digest.AlgorithmName, digest.Hex);

    private async Task<JsonElement> SkopeoInspectAsync(string refName)
    {
        // The entry ref is an index: pin the platform the test images declare, whatever the host is.
        var result = await ProcessRunner.RunAsync(
            Prerequisites.Skopeo,
            ["--insecure-policy", "--override-os", "linux", "--override-arch", "amd64", "inspect", $"oci:{Dir}:{refName}"],
            Ct);
        result.EnsureSuccess();
        return JsonDocument.Parse(Encoding.UTF8.GetBytes(result.StandardOutput)).RootElement.Clone();
    }
}
