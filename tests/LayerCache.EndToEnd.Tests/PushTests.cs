using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// <c>build --push</c> (seed 000's push.sh): the final image goes to its registry only when the registry
/// does not already serve it under the tag, reported as pushed or unchanged; skopeo reads what was pushed.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class PushTests
{
    [Fact]
    public async Task Push_sends_a_new_image_and_skips_an_unchanged_one()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        await using var registry = await PrivateRegistry.StartAsync(ct);
        await using var runner = await Runner.StartAsync(ct);
        var app = temp.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "Dockerfile"), $"FROM {TestImages.Busybox}\nCOPY version.txt /version.txt\nRUN cat /version.txt > /copied.txt\n", ct);
        await File.WriteAllTextAsync(Path.Combine(app, "version.txt"), "1\n", ct);
        var store = temp.Combine("store");
        var tag = $"{registry.Address}/push/app:1";
        string[] build = Commands.Build(app, store, "--scope", Commands.MainScope, "-t", tag, "--push");

        var first = await runner.LayercacheAsync(Builder.Classic, build, ct);
        first.ExpectExit(0);
        var pushed = Assert.Single(first.Report.Pushes ?? []);
        Assert.Equal(("pushed", tag), (pushed.Outcome, pushed.Tag));
        var inspect = await ProcessRunner.RunAsync(Prerequisites.Skopeo, ["--insecure-policy", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://" + tag], ct);
        inspect.EnsureSuccess();
        Assert.Equal(pushed.Digest, inspect.StandardOutput.Trim());

        // The same image again: the registry API says it is there; nothing is sent.
        var again = await runner.LayercacheAsync(Builder.Classic, build, ct);
        again.ExpectExit(0);
        var unchanged = Assert.Single(again.Report.Pushes ?? []);
        Assert.Equal("unchanged", unchanged.Outcome);
        Assert.Equal(pushed.Digest, unchanged.Digest);
        Assert.Contains("unchanged", again.Stderr, StringComparison.Ordinal);

        // A fresh runner, same inputs, the image already in the registry: not even loaded (issue 14).
        await using (var fresh = await Runner.StartAsync(ct))
        {
            var skipped = await fresh.LayercacheAsync(Builder.Classic, build, ct);
            skipped.ExpectExit(0);
            Assert.True(skipped.Report.Shortcut is { Taken: true, SkippedLoad: true }, $"an unchanged pushed image must not be loaded: {skipped}");
            var same = Assert.Single(skipped.Report.Pushes ?? []);
            Assert.Equal(("unchanged", pushed.Digest), (same.Outcome, same.Digest));
            Assert.Equal(0, skipped.Report.Restore!.BytesLoaded);
            Assert.Equal(first.Report.Build!.ImageId, skipped.Report.Build!.ImageId);
            Assert.Null(await fresh.Client.InspectImageAsync(tag, ct));
        }

        // A changed source makes a new image: pushed, under a new digest.
        await File.WriteAllTextAsync(Path.Combine(app, "version.txt"), "2\n", ct);
        var changed = await runner.LayercacheAsync(Builder.Classic, build, ct);
        changed.ExpectExit(0);
        var repushed = Assert.Single(changed.Report.Pushes ?? []);
        Assert.Equal("pushed", repushed.Outcome);
        Assert.NotEqual(pushed.Digest, repushed.Digest);

        // --push without a name is bad input.
        var nameless = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app, store, "--scope", Commands.MainScope, "--push"), ct);
        Assert.Equal(2, nameless.ExitCode);
    }
}
