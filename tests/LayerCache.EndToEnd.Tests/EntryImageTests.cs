namespace LayerCache.EndToEnd.Tests;

/// <summary>One entry per image: two Dockerfiles of one branch keep an entry each under <c>--keep current</c>, and each restores its own.</summary>
[Collection(EngineCollections.A)]
public sealed class EntryImageTests
{
    private const string WorkerDockerfile = """
        FROM busybox:latest AS worker
        COPY backend/ /worker/
        RUN ["/bin/sh", "-c", "cat /worker/main.txt > /worker/out"]
        """;

    [Fact]
    public async Task Two_dockerfiles_with_keep_current_keep_and_restore_their_own_entries()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        var seed = await SeedStore.CopyClassicAsync(store);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var worker = Path.Combine(app.Directory, "Dockerfile.worker");
        await File.WriteAllTextAsync(worker, WorkerDockerfile, ct);
        await using var runner = await Runner.StartAsync(ct);

        // The worker image has no entry yet: the app's entry is not a candidate, and keep-current leaves it alone.
        var first = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "-f", worker, "--scope", Commands.MainScope, "--keep", "current", "-t", "worker:1"), ct);
        first.ExpectExit(0);
        Assert.True(first.Report.Restore is { Hit: false }, $"the app's entry must not be restored for the worker: {first}");
        Assert.Contains(first.Report.Restore!.Reasons, r => r.Contains("no entries of image Dockerfile.worker", StringComparison.Ordinal));
        Assert.True(first.Report.Save is { Saved: true, EntriesPruned: 0 }, $"the worker's save must keep the app's entry: {first}");

        var listing = (await Cli.RunAsync(Commands.List(store), new Dictionary<string, string?>(), ct)).ExpectExit(0).Parse<Core.Reports.StoreListing>();
        Assert.Equal(["Dockerfile", "Dockerfile.worker"], listing.Entries.Select(e => e.Image).Order(StringComparer.Ordinal));

        // Each image restores its own entry.
        var app2 = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "--keep", "current", "-t", "demo:latest"), ct);
        app2.ExpectExit(0);
        Assert.Equal(seed.Save!.Entry, app2.Report.Restore!.Entry);
        ReportAssert.EveryStepCached(app2, "classic");

        var worker2 = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "-f", worker, "--scope", Commands.MainScope, "--keep", "current", "-t", "worker:2"), ct);
        worker2.ExpectExit(0);
        Assert.Equal(first.Report.Save!.Entry, worker2.Report.Restore!.Entry);
        Assert.Equal(2, (await Cli.RunAsync(Commands.List(store), new Dictionary<string, string?>(), ct)).ExpectExit(0).Parse<Core.Reports.StoreListing>().Entries.Count);
        (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
    }
}
