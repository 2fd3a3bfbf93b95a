namespace LayerCache.EndToEnd.Tests;

/// <summary>Scoped writes: a pull request build reads the default branch's scope but never writes it.</summary>
[Collection(EngineCollections.A)]
public sealed class PullRequestTests
{
    [Fact]
    public async Task A_pull_request_build_reads_the_default_branch_scope_but_does_not_write_it()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var blobsBefore = StoreFiles.Blobs(store);
        var entriesBefore = await EntriesAsync(store, ct);
        await using var runner = await Runner.StartAsync(ct);

        // A PR whose head branch is named like the default branch: GitHub sets GITHUB_HEAD_REF.
        var pr = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "-t", "demo:latest"), ct, GitHub(headRef: "main"));
        pr.ExpectExit(0);
        Assert.Equal(Commands.MainScope, pr.Report.Scope);
        ReportAssert.EveryStepCached(pr, "classic");
        Assert.Equal(Commands.MainScope, pr.Report.Restore!.EntryScope);
        var save = pr.Report.Save!;
        Assert.False(save.Saved, $"a PR must not write the default branch's scope: {pr}");
        Assert.Contains("pull request", save.SkippedReason ?? string.Empty, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(entriesBefore, await EntriesAsync(store, ct));
        Assert.Equal(blobsBefore.Order(), StoreFiles.Blobs(store).Order());

        // A PR from a feature branch with a change: it falls back to main's entry and writes only its own scope.
        app.CommitBackend("pr", 1024);
        var feature = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "-t", "demo:pr"), ct, GitHub(headRef: "feature/login"));
        feature.ExpectExit(0);
        Assert.Equal("acme/shop/feature/login", feature.Report.Scope);
        Assert.True(feature.Report.Restore is { Hit: true } r && r.EntryScope == Commands.MainScope, $"the PR must fall back to main's entry: {feature}");
        Assert.True(feature.Report.Save is { Saved: true }, $"the PR writes its own scope: {feature}");
        var entriesAfter = await EntriesAsync(store, ct);
        Assert.Equal([.. entriesBefore.Append((Scope: "acme/shop/feature/login", Entry: feature.Report.Save.Entry!)).OrderBy(e => e.Scope, StringComparer.Ordinal)], entriesAfter);
    }

    private static Dictionary<string, string?> GitHub(string headRef) => new()
    {
        ["GITHUB_ACTIONS"] = "true",
        ["GITHUB_REPOSITORY"] = "acme/shop",
        ["GITHUB_HEAD_REF"] = headRef,
        ["GITHUB_REF_NAME"] = "42/merge",
    };

    private static async Task<List<(string Scope, string Entry)>> EntriesAsync(string store, CancellationToken ct) =>
        [.. (await Cli.RunAsync(Commands.List(store), new Dictionary<string, string?>(), ct)).ExpectExit(0).Parse<Core.Reports.StoreListing>()
            .Entries.Select(e => (e.Scope, e.Entry)).OrderBy(e => e.Scope, StringComparer.Ordinal)];
}
