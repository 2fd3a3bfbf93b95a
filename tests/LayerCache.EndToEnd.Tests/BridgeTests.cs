using System.Text.Json.Nodes;
using LayerCache.Oci;
using LayerCache.Store;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// The bridge (issue 11): on a fresh runner the engine pulls the entry's stage images from the store
/// through an in-process registry, and after a source change pushes the changed stage images back,
/// sending only their new layers; the store keeps plain tars and gains no references of the bridge;
/// an engine that cannot reach the bridge, or <c>--no-bridge</c>, keeps <c>docker load</c>/<c>docker save</c>.
/// </summary>
[Collection(EngineCollections.A)]
public sealed class BridgeTests(ITestOutputHelper output)
{
    private const int SourceBytes = 256 * 1024;

    [Theory]
    [InlineData(Builder.Classic)]
    [InlineData(Builder.BuildKit)]
    public async Task A_source_change_is_pulled_from_the_bridge_and_pushed_back_with_only_its_new_layers(Builder builder)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        var app = await BigDependencyAppAsync(temp.Combine("app"), "1", ct);
        await using (var first = await Runner.StartAsync(ct))
        {
            var cold = await first.LayercacheAsync(builder, Commands.Build(app, store, "--scope", Commands.MainScope), ct);
            cold.ExpectExit(0);
            Assert.Equal(0, cold.Report.Save!.StagesPushed); // nothing pulled: the engine knows no digest in the store
        }

        var blobsBefore = StoreFiles.Blobs(store).ToDictionary(b => b.Digest, b => b.Size);
        var indexBefore = await File.ReadAllTextAsync(Path.Combine(store, "index.json"), ct);
        await BigDependencyAppAsync(app, "2", ct);
        // One runner at a time (EngineSlots): this job's runner goes before the next job's starts.
        string? savedEntry;
        await using (var runner = await Runner.StartAsync(ct))
        {
            var run = await runner.LayercacheAsync(builder, Commands.Build(app, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
            run.ExpectExit(0);
            output.WriteLine(run.Stderr);
            Assert.Empty(run.Report.Warnings);
            var restore = run.Report.Restore!;
            Assert.True(restore.Hit, $"the store must be restored: {run}");
            Assert.Equal("pull", restore.Transport);

            // The changed stage went back as a push of its new layers: nothing of it exported.
            var save = run.Report.Save!;
            Assert.True(save.Saved, $"the changed build must be saved: {run}");
            Assert.True(save.StagesPushed >= 1, $"the changed stage must be pushed by the engine: {run}");
            Assert.True(save.BytesExported < DependencyBytes, $"the save exported {save.BytesExported} bytes: the dependency layer must not be exported: {run}");
            var stageCount = run.Report.Build!.Stages.Count;
            Assert.Equal(stageCount, save.StagesExported + save.StagesPushed + save.StagesReused);
            Assert.True(save.LayerBytesWritten >= SourceBytes && save.LayerBytesWritten <= 4 * SourceBytes + 64 * 1024, $"{save.LayerBytesWritten} layer bytes written for a {SourceBytes}-byte source change: {run}");

            // What the engine pushed is the store's own now: plain tar layers (the engine sent gzip), named
            // by their DiffIds, in OCI manifests; the bridge's tags lived in memory only.
            var opened = await FileSystemCacheStore.OpenAsync(store, ct);
            var entry = (await opened.ListEntriesAsync(ct)).Single(e => e.RefName == save.Entry);
            foreach (var stage in entry.Stages)
            {
                var manifest = OciJson.DeserializeManifest(await ReadAsync(opened, stage.ManifestDigest, ct), stage.ManifestDigest.Value);
                var config = OciJson.DeserializeConfig(await ReadAsync(opened, manifest.Config.Digest, ct), manifest.Config.Digest.Value);
                Assert.Equal(MediaType.OciImageManifest, manifest.MediaType);
                Assert.Equal(config.DiffIds.Select(d => d.Digest), manifest.Layers.Select(l => l.Digest));
                Assert.All(manifest.Layers, l => Assert.Equal(MediaType.OciLayer, l.MediaType));
            }

            var index = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(store, "index.json"), ct))!["manifests"]!.AsArray();
            Assert.DoesNotContain(index, m => ((string?)m!["annotations"]?["org.opencontainers.image.ref.name"])?.StartsWith(RepositoryReferences.Prefix, StringComparison.Ordinal) == true);
            Assert.NotEqual(indexBefore, await File.ReadAllTextAsync(Path.Combine(store, "index.json"), ct));

            // The prune after the save collected the engine's gzip copies and manifest: only the new tars and metadata are new.
            var newBlobs = StoreFiles.Blobs(store).Where(b => !blobsBefore.ContainsKey(b.Digest)).ToList();
            Assert.True(newBlobs.Sum(b => b.Size) <= save.LayerBytesWritten + 64 * 1024, $"{newBlobs.Sum(b => b.Size)} new bytes on disk for {save.LayerBytesWritten} bytes of new layers");

            // The engine keeps no names of the bridge (its port was this run's).
            var names = (await runner.Client.ListImagesAsync(new Docker.ImageListOptions { All = true, Digests = true }, ct)).SelectMany(i => i.RepoTags.Concat(i.RepoDigests));
            Assert.DoesNotContain(names, n => n.Contains("layercache/bridge", StringComparison.Ordinal));
            Assert.StartsWith("version 2", await AppOutput.RunAsync(runner, "demo:latest", ct), StringComparison.Ordinal);
            (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
            savedEntry = save.Entry;
        }

        // The pushed entry restores by the archive transport too.
        await using var third = await Runner.StartAsync(ct);
        var again = await third.LayercacheAsync(builder, Commands.Restore(app, store, "--scope", Commands.MainScope, "--no-bridge"), ct);
        again.ExpectExit(0);
        Assert.True(again.Report.Restore is { Hit: true, Transport: "load" }, $"the pushed entry must load: {again}");
        Assert.Equal(savedEntry, again.Report.Restore!.Entry);
        Assert.Empty(again.Report.Warnings);
    }

    [Fact]
    public async Task No_bridge_keeps_docker_load_and_docker_save()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        app.CommitBackend("2", SourceBytes);
        await using var runner = await Runner.StartAsync(ct);
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "--no-bridge"), ct);
        run.ExpectExit(0);
        Assert.Empty(run.Report.Warnings);
        Assert.Equal("load", run.Report.Restore!.Transport);
        Assert.Equal(0, run.Report.Save!.StagesPushed);
        Assert.True(run.Report.Save.StagesExported >= 1 && run.Report.Save.BytesExported > 0, $"the changed stage must be exported: {run}");
    }

    [Fact]
    public async Task An_engine_that_cannot_reach_the_bridge_loads_and_exports_without_a_warning()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        app.CommitBackend("2", SourceBytes);

        // Its 127.0.0.1 is another one: a pull from the bridge fails at once, the run goes on by archive.
        await using var runner = await Runner.StartIsolatedAsync(ct);
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        run.ExpectExit(0);
        Assert.Empty(run.Report.Warnings);
        Assert.True(run.Report.Restore!.Hit, $"the store must be restored: {run}");
        Assert.Equal("load", run.Report.Restore.Transport);
        Assert.Contains("cannot pull from the bridge", run.Stderr, StringComparison.Ordinal);
        Assert.True(run.Report.Save!.Saved && run.Report.Save.StagesPushed == 0, $"the save must export: {run}");
        Assert.Contains(run.Report.Build!.Stages.SelectMany(s => s.Steps), s => s.Status == Core.Reports.StepStatus.Cached);
        Assert.Contains("app: backend version 2", await AppOutput.RunAsync(runner, "demo:latest", ct), StringComparison.Ordinal);
    }

    private const int DependencyBytes = 48 * 1024 * 1024;

    /// <summary>
    /// A build whose compile stage sits on a big dependency layer (incompressible, so that exporting it
    /// costs what the bridge saves) and a source file of <see cref="SourceBytes"/>; writes version
    /// <paramref name="version"/> of the source. Returns the context directory.
    /// </summary>
    private static async Task<string> BigDependencyAppAsync(string directory, string version, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "Dockerfile"), $"""
            FROM {LayerCache.Testing.TestImages.Busybox} AS deps
            RUN head -c {DependencyBytes} /dev/urandom > /deps.bin
            FROM deps AS compile
            COPY src.txt /src.txt
            RUN cp /src.txt /app.txt
            FROM {LayerCache.Testing.TestImages.Busybox} AS runtime
            COPY --from=compile /app.txt /app.txt
            CMD ["head", "-c", "9", "/app.txt"]
            """, ct);
        await File.WriteAllTextAsync(Path.Combine(directory, "src.txt"), $"version {version}" + new string('x', SourceBytes), ct);
        return directory;
    }

    private static async Task<byte[]> ReadAsync(FileSystemCacheStore store, Digest digest, CancellationToken ct)
    {
        await using var stream = await store.Blobs.OpenReadAsync(digest, ct);
        return await DocumentReader.ReadAsync(stream, digest.Value, ct);
    }
}
