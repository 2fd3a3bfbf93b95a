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
        var build = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        build.ExpectExit(0);
        Assert.Contains(build.Report.Warnings, w => w.Contains(digest.ToString(), StringComparison.Ordinal));
        ReportAssert.Cold(build);
        Assert.Equal(0, build.Report.Build!.ExitCode);
        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains("app: backend version 1", printed, StringComparison.Ordinal);

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
}
