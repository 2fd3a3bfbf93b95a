using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>Done when: ten successive commits with <c>--keep current</c> → the store stays within 1.2× one build's layers.</summary>
[Collection(EngineCollections.A)]
public sealed class RetentionTests(ITestOutputHelper output)
{
    private const int Commits = 10;
    private const int SourceBytes = 512 * 1024;

    [Fact]
    public async Task Ten_commits_with_keep_current_keep_the_store_within_1_2_times_one_build()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        await using var runner = await Runner.StartAsync(ct);

        long written = 0;
        CliRun? last = null;
        for (var commit = 1; commit <= Commits; commit++)
        {
            app.CommitBackend($"c{commit}", SourceBytes);
            last = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "--keep", "current", "-t", "demo:latest"), ct);
            last.ExpectExit(0);
            var report = last.Report;
            Assert.True(report.Save is { Saved: true }, $"commit {commit} must be saved: {last}");
            Assert.Empty(report.Warnings);
            written += report.Save.BytesWritten;
            output.WriteLine($"commit {commit}: build {report.Build!.Seconds:0.0}s, {report.Build.StepsExecuted} step(s) run; wrote {report.Save.BytesWritten} bytes, pruned {report.Save.EntriesPruned} entr(ies)/{report.Save.BytesPruned} bytes; store {StoreFiles.BlobBytes(store)} bytes");

            var listing = (await Cli.RunAsync(Commands.List(store), new Dictionary<string, string?>(), ct)).ExpectExit(0).Parse<Core.Reports.StoreListing>();
            Assert.Single(listing.Entries);
            Assert.Equal(report.Save.Entry, listing.Entries[0].Entry);
        }

        // One build's layers, as the engine exports the last build's stage images.
        var images = await EngineExport.SaveAsync(runner.Client, last!.Report.Build!.Stages.Select(s => s.Image!), ct);
        var oneBuild = EngineExport.LayerSizes(images).Values.Sum() + images.Sum(i => (long)i.ConfigContent.Length);
        var storeBytes = StoreFiles.BlobBytes(store);
        output.WriteLine($"one build: {oneBuild} bytes; store after {Commits} commits: {storeBytes} bytes; the saves wrote {written} bytes in all");

        // Without retention the store would hold every commit's layers: the bound below would not hold.
        Assert.True(written > 0.2 * oneBuild, $"the commits wrote only {written} bytes: the test cannot tell a pruning store from a growing one");
        Assert.True(storeBytes <= 1.2 * oneBuild, $"the store holds {storeBytes} bytes, more than 1.2 × one build's {oneBuild}");
        (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);

        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains($"app: backend version c{Commits}", printed, StringComparison.Ordinal);
    }
}
