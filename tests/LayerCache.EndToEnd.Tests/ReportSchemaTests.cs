using System.Text.Json;
using System.Text.Json.Nodes;
using LayerCache.Testing;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: the JSON of build, restore, save and key on real engines matches
/// <c>docs/schema/report-v1.json</c>; every stage reports the image id its tag has in the engine and
/// the target reports its id (and its digest once pushed); <c>--metadata-file</c> works with a docker
/// that has no such flag (20.10) and holds buildx's keys; two builds on fresh runners show up in
/// <c>layercache stats</c> (a miss, then a hit with seconds saved), with an SVG chart.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class ReportSchemaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_builds_are_valid_json_with_stage_ids_metadata_file_and_stats()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        var metadata = temp.Combine("metadata.json");

        // CI run 1: a cold build on a fresh runner.
        await using (var first = await Runner.StartAsync(ct))
        {
            var app = ExampleApp.CopyTo(temp.Combine("app1"));
            var cold = await first.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:1", "--metadata-file", metadata), ct);
            cold.ExpectExit(0);
            ReportSchemas.AssertValid(ReportSchemas.Report, cold.Stdout);
            Assert.False(cold.Report.Restore!.Hit);
            await AssertStageIdsAsync(first, cold);
            AssertMetadata(metadata, cold, "demo:1");
        }

        // CI run 2: a fresh runner, the store back from the CI's cache.
        await using var runner = await Runner.StartAsync(ct);
        var fresh = ExampleApp.CopyTo(temp.Combine("app2"));
        var warm = await runner.LayercacheAsync(Builder.Classic, Commands.Build(fresh.Directory, store, "--scope", Commands.MainScope, "-t", "demo:1", "--metadata-file", metadata), ct);
        warm.ExpectExit(0);
        ReportSchemas.AssertValid(ReportSchemas.Report, warm.Stdout);
        ReportAssert.EveryStepCached(warm, "classic");
        await AssertStageIdsAsync(runner, warm);
        var meta = AssertMetadata(metadata, warm, "demo:1");
        Assert.True((bool)meta["layercache"]!["restoreHit"]!);
        Assert.Null(warm.Report.Build!.ImageDigest);

        // The other commands with --format json, on the same runner and store.
        foreach (var args in new[]
        {
            Commands.Restore(fresh.Directory, store, "--scope", Commands.MainScope),
            Commands.Save(fresh.Directory, store, "--scope", Commands.MainScope),
            ["key", "--format", "json", "--scope", Commands.MainScope, fresh.Directory],
            Commands.List(store),
            ["verify", "--cache", "dir:" + store, "--format", "json"],
        })
        {
            var run = await runner.LayercacheAsync(Builder.Classic, args, ct);
            run.ExpectExit(0);
            ReportSchemas.AssertValid(ReportSchemas.Report, run.Stdout);
        }

        // Once the image is pushed it has a manifest digest: a rebuild reports it and writes it as buildx does.
        await using var registry = new PrivateRegistry();
        await registry.InitializeAsync();
        var pushedName = $"{registry.Address}/demo:1";
        var pushed = await runner.LayercacheAsync(Builder.Classic, Commands.Build(fresh.Directory, store, "--scope", Commands.MainScope, "-t", pushedName), ct);
        pushed.ExpectExit(0);
        await runner.DockerAsync(Builder.Classic, ["push", pushedName], ct);
        var again = await runner.LayercacheAsync(Builder.Classic, Commands.Build(fresh.Directory, store, "--scope", Commands.MainScope, "-t", pushedName, "--metadata-file", metadata), ct);
        again.ExpectExit(0);
        ReportSchemas.AssertValid(ReportSchemas.Report, again.Stdout);
        var image = await runner.Client.InspectImageAsync(pushedName, ct);
        var repoDigest = Assert.Single(image!.RepoDigests);
        Assert.Equal(repoDigest[(repoDigest.IndexOf('@', StringComparison.Ordinal) + 1)..], again.Report.Build!.ImageDigest);
        Assert.Equal(again.Report.Build.ImageDigest, (string?)AssertMetadata(metadata, again, pushedName)["containerimage.digest"]);

        // stats: every build, restore and save above, oldest first, as JSON, text and an SVG chart.
        var statsRun = await runner.LayercacheAsync(Builder.Classic, ["stats", "--cache", "dir:" + store, "--format", "json"], ct);
        statsRun.ExpectExit(0);
        ReportSchemas.AssertValid(ReportSchemas.Report, statsRun.Stdout);
        var stats = JsonNode.Parse(statsRun.Stdout)!;
        var commands = stats["runs"]!.AsArray().Select(r => (string)r!["command"]!).ToList();
        Assert.Equal(["build", "build", "restore", "save", "build", "build"], commands);
        var runs = stats["runs"]!.AsArray();
        Assert.False((bool)runs[0]!["hit"]!);
        Assert.True((bool)runs[1]!["hit"]!);
        Assert.True((int)runs[0]!["stepsExecuted"]! > 0);
        Assert.True((double)runs[1]!["secondsSaved"]! > 0, statsRun.Stdout);
        Assert.Equal(warm.Report.Restore!.BytesLoaded, (long)runs[1]!["bytesLoaded"]!);
        Assert.True((long)runs[0]!["bytesWritten"]! > 0);
        Assert.Equal(0, (int)stats["invalidLines"]!);
        Assert.Equal(5, (int)stats["totals"]!["restores"]!);

        var svg = temp.Combine("stats.svg");
        var text = await runner.LayercacheAsync(Builder.Classic, ["stats", "--cache", "dir:" + store, "--scope", Commands.MainScope, "--since", "1d", "--svg", svg], ct);
        text.ExpectExit(0);
        output.WriteLine(text.Stdout);
        Assert.Contains("6 run(s); 5 restore(s), 4 hit, 1 missed", text.Stdout, StringComparison.Ordinal);
        Assert.Equal(6, System.Xml.Linq.XDocument.Load(svg).Descendants(System.Xml.Linq.XName.Get("g", "http://www.w3.org/2000/svg")).Count());
    }

    /// <summary>Every stage that has an image reports the id its tag has in the engine.</summary>
    private static async Task AssertStageIdsAsync(Runner runner, CliRun run)
    {
        foreach (var stage in run.Report.Build!.Stages)
        {
            Assert.NotNull(stage.Image);
            var image = await runner.Client.InspectImageAsync(stage.Image!, CancellationToken.None);
            Assert.Equal(image!.Id.Value, stage.ImageId);
        }

        var target = await runner.Client.InspectImageAsync(run.Report.Build.Stages[^1].Image!, CancellationToken.None);
        Assert.Equal(target!.Id.Value, run.Report.Build.ImageId);
    }

    /// <summary>The metadata file matches its schema and names the target's id, its names and each stage's image id.</summary>
    private static JsonObject AssertMetadata(string path, CliRun run, string name)
    {
        var text = File.ReadAllText(path);
        ReportSchemas.AssertValid(ReportSchemas.Metadata, text);
        var json = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(run.Report.Build!.ImageId, (string?)json["containerimage.config.digest"]);
        Assert.Equal(name, (string?)json["image.name"]);
        Assert.Equal(run.Report.Key, (string?)json["layercache"]!["key"]);
        foreach (var stage in run.Report.Build.Stages)
        {
            Assert.Equal(stage.ImageId, (string?)json["layercache"]!["stages"]![stage.Stage]);
        }

        return json;
    }
}
