using LayerCache.Oci;
using LayerCache.Store;
using LayerCache.Testing;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: a store that keeps layers gzip-compressed (a registry's policy; here a directory store
/// opened with that policy, so no registry is needed) saves a cold build; a fresh engine restores it
/// (layercache inflates every layer itself, the engine gets plain tars) and every step of every stage
/// is cached; a gzip blob damaged in the store is refused like any corrupt blob: a warning, a cold
/// build, the blob removed.
/// </summary>
[Collection(EngineCollections.A)]
public sealed class GzipStoreTests(ITestOutputHelper output)
{
    private static readonly BlobPolicy GzipDirectory = new(LayerCompression.Gzip, DeleteCorruptBlobs: true);

    [Fact]
    public async Task A_gzip_store_saves_and_a_fresh_runner_restores_every_step_cached_and_a_corrupt_gzip_blob_builds_cold()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");

        // Every directory store layercache opens in this test's async flow keeps gzip layers.
        FileSystemCacheStoreOptions.AmbientPolicyForTests.Value = GzipDirectory;

        CliRun cold;
        await using (var first = await Runner.StartAsync(ct))
        {
            var app = ExampleApp.CopyTo(temp.Combine("app1"));
            cold = await first.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
            cold.ExpectExit(0);
            ReportAssert.Cold(cold);
            Assert.True(cold.Report.Save is { Saved: true }, $"the cold build must save: {cold}");
        }

        // The store holds gzip layers only, each recorded with both identities.
        var gzipLayers = await GzipLayersAsync(store, ct);
        Assert.NotEmpty(gzipLayers);

        CliRun warm;
        await using (var runner = await Runner.StartAsync(ct))
        {
            var app = ExampleApp.CopyTo(temp.Combine("app2"));
            warm = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
            warm.ExpectExit(0);
            output.WriteLine($"cold build {cold.Report.Build!.Seconds:0.0}s; warm: restore {warm.Report.Restore!.Seconds:0.0}s ({warm.Report.Restore.LayersLoaded} layers, {warm.Report.Restore.BytesLoaded} bytes), build {warm.Report.Build!.Seconds:0.0}s");
            ReportAssert.EveryStepCached(warm, "classic");
            Assert.True(warm.Report.Restore.LayersLoaded > 0, $"a fresh runner must load layers: {warm}");

            // The base image's layer is in the fresh engine already: the ChainID skip works for gzip layers.
            Assert.True(warm.Report.Restore.LayersSkipped > 0, $"the engine's own base layer must not be sent: {warm}");
            Assert.False(warm.Report.Save!.Saved, $"an all-cached rerun must not write an entry: {warm}");
            Assert.Contains("app: backend version 1", await AppOutput.RunAsync(runner, "demo:latest", ct), StringComparison.Ordinal);
        }

        // A damaged gzip blob (bytes no longer its digest): refused, removed, and the build runs cold.
        await using (var runner = await Runner.StartAsync(ct))
        {
            // The biggest layer a fresh runner needs (not the base image's, which it has).
            var baseLayers = (await runner.Client.InspectImageAsync(TestImages.Busybox, ct))!.Layers.Select(DiffId.FromDigest).ToHashSet();
            var victim = gzipLayers.Where(l => !baseLayers.Contains(l.DiffId)).MaxBy(l => l.Stored.Size)!.Stored;
            StoreFiles.FlipByte(StoreFiles.BlobPath(store, victim.Digest), victim.Size / 2);
            var app = ExampleApp.CopyTo(temp.Combine("app3"));
            var imagesBefore = await runner.ImageTagsAsync(ct);
            var restore = await runner.LayercacheAsync(Builder.Classic, Commands.Restore(app.Directory, store, "--scope", Commands.MainScope), ct);
            restore.ExpectExit(0);
            Assert.False(restore.Report.Restore!.Hit, $"a corrupt gzip layer must not be restored: {restore}");
            Assert.Contains(restore.Report.Warnings, w => w.Contains(victim.Digest.ToString(), StringComparison.Ordinal));
            Assert.Equal(imagesBefore, await runner.ImageTagsAsync(ct));
            Assert.False(File.Exists(StoreFiles.BlobPath(store, victim.Digest)), "the corrupt blob must be removed from the store");

            var build = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
            build.ExpectExit(0);
            Assert.Equal(0, build.Report.Build!.ExitCode);
            Assert.Contains("app: backend version 1", await AppOutput.RunAsync(runner, "demo:latest", ct), StringComparison.Ordinal);
        }
    }

    /// <summary>Every layer of every stage of every entry, asserting each is stored gzip (digest ≠ DiffId, gzip media type).</summary>
    private static async Task<IReadOnlyList<LayerRecord>> GzipLayersAsync(string directory, CancellationToken ct)
    {
        var store = await FileSystemCacheStore.OpenAsync(directory, ct);
        var layers = (await store.ListEntriesAsync(ct)).SelectMany(e => e.Stages).SelectMany(s => s.Layers).Distinct().ToList();
        foreach (var layer in layers)
        {
            Assert.Equal(MediaType.OciLayerGzip, layer.Stored.MediaType);
            Assert.False(layer.IsUncompressed, $"layer {layer.DiffId} is stored uncompressed");
            await using var blob = File.OpenRead(StoreFiles.BlobPath(directory, layer.Stored.Digest));
            Assert.Equal(0x1f, blob.ReadByte());
            Assert.Equal(0x8b, blob.ReadByte());
        }

        return layers;
    }
}
