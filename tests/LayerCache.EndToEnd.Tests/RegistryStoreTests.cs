using LayerCache.Oci;
using LayerCache.Testing;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when (issue 10): a build on a fresh runner against a registry store hits every step. Engine A
/// builds cold and saves to <c>registry://127.0.0.1:PORT/cache</c>; a fresh private engine B, with nothing
/// but the registry, restores (gzip layers inflated on the way) and every step of every stage is cached.
/// A registry nobody answers is a warning and a cold build, never a failed one.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class RegistryStoreTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("classic")]
    [InlineData("buildkit")]
    public async Task A_fresh_runner_restores_from_the_registry_store_and_every_step_is_cached(string builderName)
    {
        var builder = builderName == "buildkit" ? Builder.BuildKit : Builder.Classic;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        await using var registry = await PrivateRegistry.StartAsync(ct);
        var cache = $"registry://{registry.Address}/cache";

        CliRun cold;
        await using (var first = await Runner.StartAsync(ct))
        {
            var app = ExampleApp.CopyTo(temp.Combine("app1"));
            cold = await first.LayercacheAsync(builder, Build(app.Directory, cache), ct);
            cold.ExpectExit(0);
            ReportAssert.Cold(cold);
            Assert.True(cold.Report.Save is { Saved: true }, $"the cold build must save to the registry: {cold}");
            Assert.Empty(cold.Report.Warnings ?? []);
        }

        // skopeo, a second client, sees the entry as a tag of the cache repository.
        var tags = await ProcessRunner.RunAsync(Prerequisites.Skopeo, ["--insecure-policy", "list-tags", "--tls-verify=false", $"docker://{registry.Address}/cache"], ct);
        tags.EnsureSuccess();
        Assert.Contains(cold.Report.Save!.Entry!, tags.StandardOutput, StringComparison.Ordinal);

        await using var runner = await Runner.StartAsync(ct);
        var fresh = ExampleApp.CopyTo(temp.Combine("app2"));
        var warm = await runner.LayercacheAsync(builder, Build(fresh.Directory, cache), ct);
        warm.ExpectExit(0);
        output.WriteLine($"cold build {cold.Report.Build!.Seconds:0.0}s, save {cold.Report.Save.Seconds:0.0}s; warm: restore {warm.Report.Restore!.Seconds:0.0}s, build {warm.Report.Build!.Seconds:0.0}s");

        ReportAssert.EveryStepCached(warm, builderName);
        Assert.True(warm.Report.Restore.LayersLoaded > 0, $"a fresh runner must load layers: {warm}");
        Assert.False(warm.Report.Save!.Saved, $"an all-cached rerun must not write an entry: {warm}");
        Assert.Equal(0, warm.Report.Save.LayerBytesWritten);
        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains("app: backend version 1", printed, StringComparison.Ordinal);

        // verify reads every blob through the API: clean, then a layer damaged in the registry's own
        // storage is named, with the entry it breaks (exit 1), and nothing is deleted from the registry.
        (await Cli.RunAsync(["verify", "--cache", cache], new Dictionary<string, string?>(), ct)).ExpectExit(0);
        var layer = DamageOneGzipLayer(registry);
        var verify = await Cli.RunAsync(["verify", "--cache", cache], new Dictionary<string, string?>(), ct);
        verify.ExpectExit(1);
        Assert.Contains(layer.ToString(), verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("corrupt", verify.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(cold.Report.Save!.Entry!, verify.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(BlobData(registry, layer)), "verify must not delete a registry's blob");

        // A fresh runner's restore through the bridge (the layer inflated on its way to the engine) refuses
        // the damaged layer before the engine has it whole: a warning naming it, nothing left in the engine,
        // the registry's blob kept (it is shared), and the build runs cold.
        await using var third = await Runner.StartAsync(ct);
        var imagesBefore = await third.ImageTagsAsync(ct);
        var restore = await third.LayercacheAsync(builder, ["restore", "--cache", cache, "--format", "json", "--scope", Commands.MainScope, ExampleApp.CopyTo(temp.Combine("app3")).Directory], ct);
        restore.ExpectExit(0);
        Assert.False(restore.Report.Restore!.Hit, $"a damaged layer must not be restored: {restore}");
        Assert.Contains(restore.Report.Warnings, w => w.Contains(layer.ToString(), StringComparison.Ordinal));
        Assert.Equal(imagesBefore, await third.ImageTagsAsync(ct));
        Assert.True(File.Exists(BlobData(registry, layer)), "a restore must not delete a registry's blob");
        var cold2 = await third.LayercacheAsync(builder, Build(ExampleApp.CopyTo(temp.Combine("app4")).Directory, cache), ct);
        cold2.ExpectExit(0);
        Assert.Contains("app: backend version 1", await AppOutput.RunAsync(third, "demo:latest", ct), StringComparison.Ordinal);
    }

    private static string BlobData(PrivateRegistry registry, Digest digest) =>
        Path.Combine(registry.StorageDirectory, "docker", "registry", "v2", "blobs", "sha256", digest.Hex[..2], digest.Hex, "data");

    /// <summary>Flips bytes in the largest gzip blob of the registry's storage (keeping its length); returns its digest.</summary>
    private static Digest DamageOneGzipLayer(PrivateRegistry registry)
    {
        var largest = Directory.EnumerateFiles(Path.Combine(registry.StorageDirectory, "docker", "registry", "v2", "blobs"), "data", SearchOption.AllDirectories)
            .Select(path => new FileInfo(path))
            .Where(file => file.Length > 64 && File.ReadAllBytes(file.FullName).AsSpan(0, 2).SequenceEqual(new byte[] { 0x1f, 0x8b }))
            .MaxBy(file => file.Length)!;
        var bytes = File.ReadAllBytes(largest.FullName);
        for (var i = 32; i < bytes.Length; i += 97)
        {
            bytes[i] ^= 0x5a;
        }

        File.WriteAllBytes(largest.FullName, bytes);
        return Digest.Parse("sha256:" + Path.GetFileName(Path.GetDirectoryName(largest.FullName)!));
    }

    [Fact]
    public async Task A_keyed_build_on_a_fresh_runner_restores_the_signed_entry_from_the_registry_and_another_key_does_not()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        await using var registry = await PrivateRegistry.StartAsync(ct);
        var cache = $"registry://{registry.Address}/cache";
        static Dictionary<string, string?> Key(string key) => new() { ["LAYERCACHE_SIGNING_KEY"] = key };

        CliRun cold;
        await using (var first = await Runner.StartAsync(ct))
        {
            cold = await first.LayercacheAsync(Builder.Classic, Build(ExampleApp.CopyTo(temp.Combine("app1")).Directory, cache), ct, Key("default-branch-secret"));
            cold.ExpectExit(0);
            Assert.True(cold.Report.Save is { Saved: true }, $"the keyed cold build must save a signed entry: {cold}");
        }

        await using var runner = await Runner.StartAsync(ct);
        var app = ExampleApp.CopyTo(temp.Combine("app2")).Directory;
        var other = await runner.LayercacheAsync(Builder.Classic, ["restore", "--cache", cache, "--format", "json", "--scope", Commands.MainScope, app], ct, Key("a-guess"));
        other.ExpectExit(0);
        Assert.True(other.Report.Restore is { Hit: false }, $"an entry signed with another key must not be restored: {other}");
        Assert.Contains($"entry {cold.Report.Save!.Entry}: its signature does not match LAYERCACHE_SIGNING_KEY (signed with another key, or altered)", other.Report.Restore!.Reasons);

        var warm = await runner.LayercacheAsync(Builder.Classic, Build(app, cache), ct, Key("default-branch-secret"));
        warm.ExpectExit(0);
        ReportAssert.EveryStepCached(warm, "classic");
        Assert.Equal(cold.Report.Save.Entry, warm.Report.Restore!.Entry);
    }

    [Fact]
    public async Task One_changed_source_file_on_a_fresh_runner_pushes_only_the_new_layers()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        await using var registry = await PrivateRegistry.StartAsync(ct);
        var cache = $"registry://{registry.Address}/cache";
        await using (var first = await Runner.StartAsync(ct))
        {
            (await first.LayercacheAsync(Builder.Classic, Build(ExampleApp.CopyTo(temp.Combine("app1")).Directory, cache), ct)).ExpectExit(0);
        }

        HashSet<DiffId> stored;
        using (var store = await LayerCache.Registry.Store.RegistryCacheStore.OpenAsync(
            new LayerCache.Registry.Store.RegistryCacheStoreOptions { Client = new LayerCache.Registry.Client.RegistryClientOptions { Registry = registry.Address }, Repository = "cache" }, ct))
        {
            stored = [.. (await store.ListEntriesAsync(ct)).SelectMany(e => e.Stages).SelectMany(s => s.Layers).Select(l => l.DiffId)];
        }

        // The next commit: backend/main.txt changed and grew; a fresh runner builds it.
        var app = ExampleApp.CopyTo(temp.Combine("app2"));
        app.CommitBackend("2", 256 * 1024);
        await using var runner = await Runner.StartAsync(ct);
        var run = await runner.LayercacheAsync(Builder.Classic, Build(app.Directory, cache), ct);
        run.ExpectExit(0);
        Assert.True(run.Report.Restore is { Hit: true }, $"the registry store must be restored: {run}");
        Assert.Empty(run.Report.Warnings ?? []);

        var images = await EngineExport.SaveAsync(runner.Client, run.Report.Build!.Stages.Select(s => s.Image!), ct);
        var changed = EngineExport.LayerSizes(images).Where(l => !stored.Contains(l.Key)).ToList();
        var changedBytes = changed.Sum(l => l.Value);
        var save = run.Report.Save!;
        output.WriteLine($"changed layers: {changed.Count}, {changedBytes} bytes uncompressed; save pushed {save.LayersWritten} layer(s), {save.LayerBytesWritten} layer bytes (gzip), {save.BytesWritten} bytes in all, {save.LayersSkipped} skipped");
        Assert.True(save.Saved, $"the changed build must be saved: {run}");

        // Through the bridge both ways: the engine pulled every stage as plain tars inflated from the
        // registry's gzip layers, and pushed back only the changed stage's new layers (nothing exported).
        Assert.Equal("pull", run.Report.Restore!.Transport);
        Assert.True(save.StagesPushed >= 1, $"the changed stage must be pushed by the engine: {run}");
        Assert.True(save.BytesExported <= changedBytes, $"the save exported {save.BytesExported} bytes for {changedBytes} bytes of new layers: {run}");
        Assert.Equal(changed.Count, save.LayersWritten);
        Assert.True(save.LayerBytesWritten <= 1.1 * changedBytes, $"pushed {save.LayerBytesWritten} layer bytes for {changedBytes} bytes of new layers");
        Assert.True(save.BytesWritten <= 1.1 * changedBytes + 64 * 1024, $"pushed {save.BytesWritten} bytes for {changedBytes} bytes of new layers");
    }

    [Fact]
    public async Task A_registry_store_nobody_answers_is_a_warning_and_a_cold_build()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        await using var runner = await Runner.StartAsync(ct);
        var app = ExampleApp.CopyTo(temp.Combine("app"));

        // Port 1 on loopback refuses connections.
        var run = await runner.LayercacheAsync(Builder.Classic, Build(app.Directory, "registry://127.0.0.1:1/cache"), ct);

        run.ExpectExit(0);
        ReportAssert.Cold(run);
        Assert.Contains(run.Report.Warnings ?? [], w => w.Contains("registry://127.0.0.1:1/cache", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_registry_killed_mid_save_is_a_warning_and_a_later_run_saves()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        await using var registry = await PrivateRegistry.StartAsync(ct);
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        await using var runner = await Runner.StartAsync(ct);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var cache = $"registry://{proxy.Address}/cache";

        // Killed as soon as the save opens its first upload session.
        var building = runner.LayercacheAsync(Builder.Classic, Build(app.Directory, cache), ct);
        while (!building.IsCompleted && !proxy.Requests.Any(r => r.Method == "POST" && r.PathAndQuery.Contains("/blobs/uploads/", StringComparison.Ordinal)))
        {
            await Task.Delay(20, ct);
        }

        await registry.KillAsync();
        var killed = await building;
        killed.ExpectExit(0);
        Assert.False(killed.Report.Save?.Saved ?? false, $"nothing can be saved to a dead registry: {killed}");
        Assert.Contains(killed.Report.Warnings ?? [], w => w.Contains("saving the cache failed", StringComparison.Ordinal));

        // Nothing half-written is an entry; the next run saves, and ls reads it back.
        await registry.RestartAsync(ct);
        var later = await runner.LayercacheAsync(Builder.Classic, Build(app.Directory, cache), ct);
        later.ExpectExit(0);
        Assert.True(later.Report.Save is { Saved: true }, $"a later run must save: {later}");
        var listed = await runner.LayercacheAsync(Builder.Classic, ["ls", "--cache", cache], ct);
        listed.ExpectExit(0);
        Assert.Contains(later.Report.Save!.Entry!, listed.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 entry", listed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_storm_is_a_warning_and_a_cold_build_and_the_next_run_saves()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        await using var registry = await PrivateRegistry.StartAsync(ct);
        await using var proxy = FaultProxy.Start(registry.BaseUri);
        await using var runner = await Runner.StartAsync(ct);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var cache = $"registry://{proxy.Address}/cache";
        proxy.FailNext(100_000, System.Net.HttpStatusCode.TooManyRequests);

        var storm = await runner.LayercacheAsync(Builder.Classic, Build(app.Directory, cache), ct);

        storm.ExpectExit(0);
        ReportAssert.Cold(storm);
        Assert.Contains(storm.Report.Warnings ?? [], w => w.Contains(cache, StringComparison.Ordinal));
        proxy.FailNext(0, System.Net.HttpStatusCode.TooManyRequests);
        var calm = await runner.LayercacheAsync(Builder.Classic, Build(app.Directory, cache), ct);
        calm.ExpectExit(0);
        Assert.True(calm.Report.Save is { Saved: true }, $"the run after the storm must save: {calm}");
        Assert.Empty(calm.Report.Warnings ?? []);
    }

    private static string[] Build(string context, string cache) =>
        ["build", "--cache", cache, "--format", "json", "--scope", Commands.MainScope, "-t", "demo:latest", context, "--", "--network", "none"];
}
