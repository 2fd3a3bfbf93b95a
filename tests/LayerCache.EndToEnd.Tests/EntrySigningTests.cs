namespace LayerCache.EndToEnd.Tests;

/// <summary>Signed entries: a build with LAYERCACHE_SIGNING_KEY restores only entries signed with that key, and says why it skipped the others.</summary>
[Collection(EngineCollections.A)]
public sealed class EntrySigningTests
{
    [Fact]
    public async Task A_keyed_build_restores_only_entries_signed_with_its_key()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        var seed = await SeedStore.CopyClassicAsync(store);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        await using var runner = await Runner.StartAsync(ct);
        string[] Build(string tag) => Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", tag);
        static Dictionary<string, string?> Key(string key) => new() { ["LAYERCACHE_SIGNING_KEY"] = key };

        // The seed entry is unsigned (as anything written without the key is): passed over, with the reason.
        var first = await runner.LayercacheAsync(Builder.Classic, Build("demo:1"), ct, Key("default-branch-secret"));
        first.ExpectExit(0);
        Assert.True(first.Report.Restore is { Hit: false }, $"an unsigned entry must not be restored by a keyed build: {first}");
        Assert.Contains($"entry {seed.Save!.Entry}: not signed; this build has LAYERCACHE_SIGNING_KEY and restores only entries signed with it", first.Report.Restore!.Reasons);
        Assert.True(first.Report.Save is { Saved: true }, $"the keyed build writes a signed entry: {first}");

        // The next keyed build restores the signed entry.
        var second = await runner.LayercacheAsync(Builder.Classic, Build("demo:2"), ct, Key("default-branch-secret"));
        second.ExpectExit(0);
        ReportAssert.EveryStepCached(second, "classic");
        Assert.Equal(first.Report.Save!.Entry, second.Report.Restore!.Entry);

        // Another key accepts neither entry.
        var other = await runner.LayercacheAsync(Builder.Classic, Commands.Restore(app.Directory, store, "--scope", Commands.MainScope), ct, Key("a-guess"));
        other.ExpectExit(0);
        Assert.True(other.Report.Restore is { Hit: false }, $"an entry signed with another key must not be restored: {other}");
        Assert.Contains($"entry {first.Report.Save.Entry}: its signature does not match LAYERCACHE_SIGNING_KEY (signed with another key, or altered)", other.Report.Restore!.Reasons);
        (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
    }
}
