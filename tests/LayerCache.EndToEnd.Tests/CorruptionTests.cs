using System.Security.Cryptography;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: one flipped byte in a stored blob → caught before the engine sees it, warning, cold
/// build succeeds; <c>verify</c> names the blob.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class CorruptionTests
{
    [Fact]
    public async Task A_flipped_byte_in_a_layer_is_caught_before_the_engine_sees_it_and_the_build_runs_cold()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);

        // The biggest blob is the dependency layer: a fresh runner does not have it, so a restore must stream it.
        var (digest, size) = StoreFiles.Blobs(store).MaxBy(b => b.Size);
        StoreFiles.FlipByte(StoreFiles.BlobPath(store, digest), size / 2);
        var verifyCopy = temp.Combine("verify-copy");
        var restoreCopy = temp.Combine("restore-copy");
        ExampleApp.Copy(store, verifyCopy);
        ExampleApp.Copy(store, restoreCopy);

        // verify, before any restore healed the store: exit 1, naming the blob.
        var verify = await Cli.RunAsync(Commands.Verify(verifyCopy), new Dictionary<string, string?>(), ct);
        verify.ExpectExit(1);
        Assert.Contains(digest.ToString(), verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("corrupt", verify.Stdout, StringComparison.OrdinalIgnoreCase);

        await using var runner = await Runner.StartAsync(ct);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var imagesBefore = await runner.ImageTagsAsync(ct);

        // restore alone: a warning and a miss, and the engine registered nothing of the aborted load.
        var restore = await runner.LayercacheAsync(Builder.Classic, Commands.Restore(app.Directory, restoreCopy, "--scope", Commands.MainScope), ct);
        restore.ExpectExit(0);
        Assert.False(restore.Report.Restore!.Hit, $"a corrupt entry must not be restored: {restore}");
        Assert.Contains(restore.Report.Warnings, w => w.Contains(digest.ToString(), StringComparison.Ordinal));
        Assert.Equal(imagesBefore, await runner.ImageTagsAsync(ct));
        Assert.False(File.Exists(StoreFiles.BlobPath(restoreCopy, digest)), "the corrupt blob must be removed so that the next save writes it again");

        // build on the corrupted store: the restore inside it catches the flipped byte, the build runs cold and succeeds.
        // (A source change, so that the build restores every stage: with unchanged inputs it would load only
        // the target image, which does not hold the flipped layer.)
        app.CommitBackend("2", 1024);
        var build = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        build.ExpectExit(0);
        Assert.Contains(build.Report.Warnings, w => w.Contains(digest.ToString(), StringComparison.Ordinal));
        ReportAssert.Cold(build);
        Assert.Equal(0, build.Report.Build!.ExitCode);
        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains("app: backend version 2", printed, StringComparison.Ordinal);

        // The store healed itself: the corrupt blob is gone or was written again whole, the entry that
        // referenced it was dropped (it could never be restored again), and verify is clean.
        Assert.True(build.Report.Save is { Saved: true }, $"the cold build must be saved: {build}");
        (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
        var path = StoreFiles.BlobPath(store, digest);
        if (File.Exists(path))
        {
            await using var blob = File.OpenRead(path);
            Assert.Equal(digest.Hex, Convert.ToHexStringLower(await SHA256.HashDataAsync(blob, ct)));
        }

        var listing = (await Cli.RunAsync(Commands.List(store), new Dictionary<string, string?>(), ct)).ExpectExit(0).Parse<Core.Reports.StoreListing>();
        Assert.Equal([build.Report.Save!.Entry], listing.Entries.Select(e => e.Entry));

        Assert.Contains(TestImages.Busybox, imagesBefore);
    }

    [Fact]
    public async Task A_damaged_entry_is_passed_over_for_the_fallback_scope_entry()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        var seeded = StoreFiles.Blobs(store).Select(b => b.Digest).ToHashSet();

        // A feature branch saves its own entry on top of main's; then one of its own layers rots.
        const string feature = "acme/shop/feature-x";
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        app.CommitBackend("feature", 64 * 1024);
        await using (var first = await Runner.StartAsync(ct))
        {
            var save = await first.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", feature, "--fallback-scope", Commands.MainScope), ct);
            save.ExpectExit(0);
            Assert.True(save.Report.Save is { Saved: true }, $"the feature branch must save its entry: {save}");
        }

        var (digest, size) = StoreFiles.Blobs(store).Where(b => !seeded.Contains(b.Digest)).MaxBy(b => b.Size);
        StoreFiles.FlipByte(StoreFiles.BlobPath(store, digest), size / 2);

        // A new runner of the feature branch: its own entry fails verification, main's entry restores.
        await using var runner = await Runner.StartAsync(ct);
        var restore = await runner.LayercacheAsync(Builder.Classic, Commands.Restore(app.Directory, store, "--scope", feature, "--fallback-scope", Commands.MainScope), ct);
        restore.ExpectExit(0);
        Assert.Contains(restore.Report.Warnings, w => w.Contains(digest.ToString(), StringComparison.Ordinal));
        Assert.True(restore.Report.Restore is { Hit: true } r && r.EntryScope == Commands.MainScope, $"main's entry must be restored instead: {restore}");
        Assert.Contains(restore.Report.Restore!.Reasons, r => r.Contains("damaged", StringComparison.Ordinal));
        Assert.False(File.Exists(StoreFiles.BlobPath(store, digest)), "the corrupt blob must be removed");

        // The build on top of it runs only the steps main's entry cannot serve.
        var build = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", feature, "--fallback-scope", Commands.MainScope, "-t", "demo:feature"), ct);
        build.ExpectExit(0);
        Assert.Contains(build.Report.Build!.Stages.SelectMany(st => st.Steps), st => st.Status == Core.Reports.StepStatus.Cached);
        Assert.Contains("app: backend version feature", await AppOutput.RunAsync(runner, "demo:feature", ct), StringComparison.Ordinal);
        (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
    }
}
