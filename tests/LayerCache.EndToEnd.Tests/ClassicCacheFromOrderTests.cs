using LayerCache.Core.Reports;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// The classic builder binds a stage to the first <c>--cache-from</c> image whose history matches a
/// step that is not that image's last. Found by bench W3 and W4 (classic, fresh runner):
/// two stages that begin alike on one base (<c>FROM busybox</c> + <c>WORKDIR /app</c>) made the first
/// stage miss every step after the shared one (and every stage built on it), and a stage listed after
/// a stage built on it was restored as a new image id, so an unchanged rerun exported it again.
/// </summary>
[Collection(EngineCollections.A)]
public sealed class ClassicCacheFromOrderTests(ITestOutputHelper output)
{
    // base and runtime begin alike: the same base image, then the same WORKDIR (one image in the cold
    // build: the classic builder's local cache gives runtime base's WORKDIR step).
    private const string Dockerfile = """
        FROM busybox:latest AS base
        WORKDIR /app
        COPY deps.txt ./
        RUN cat deps.txt > deps.out

        FROM base AS build
        COPY src/ src/
        RUN cat src/main.txt deps.out > app.out

        FROM busybox:latest AS runtime
        WORKDIR /app
        COPY --from=build /app/app.out ./
        """;

    [Fact]
    public async Task Two_stages_that_begin_alike_keep_their_cache_hits_on_a_fresh_runner()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await ColdAsync(temp, store, [], ct);

        // The next commit: only the source that "build" reads changed.
        var app = Write(temp.Combine("app2"), source: "v2");
        await using var runner = await Runner.StartAsync(ct);
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        run.ExpectExit(0);
        Assert.True(run.Report.Restore is { Hit: true }, $"the store must be restored: {run}");

        var stages = run.Report.Build!.Stages.ToDictionary(s => s.Stage);
        AssertSteps(run, stages["base"], _ => StepStatus.Cached);
        AssertSteps(run, stages["build"], _ => StepStatus.Executed);
        AssertSteps(run, stages["runtime"], s => s.Instruction.StartsWith("WORKDIR", StringComparison.Ordinal) ? StepStatus.Cached : StepStatus.Executed);

        var printed = await runner.DockerAsync(Builder.Classic, ["run", "--rm", "--network", "none", "demo:latest", "cat", "/app/app.out"], ct);
        Assert.Contains("v2", printed.EnsureSuccess().StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stage_restored_before_the_stage_built_on_it_keeps_its_image_and_is_not_exported_again()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        string[] target = ["--target", "build"];
        await ColdAsync(temp, store, target, ct);

        // A file no step reads: the inputs digest changes (no shortcut), every step must be cached.
        var app = Write(temp.Combine("app2"), source: "v1");
        File.WriteAllText(Path.Combine(app, "NOTES.md"), "not read by any step\n");
        await using var runner = await Runner.StartAsync(ct);
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app, store, ["--scope", Commands.MainScope, "-t", "demo:latest", .. target]), ct);
        run.ExpectExit(0);
        Assert.True(run.Report.Shortcut is null or { Taken: false }, $"the changed context must take the normal path: {run}");
        Assert.True(run.Report.Restore is { Hit: true }, $"the store must be restored: {run}");
        var stages = run.Report.Build!.Stages;
        Assert.Equal(["base", "build"], stages.Select(s => s.Stage));
        foreach (var stage in stages)
        {
            AssertSteps(run, stage, _ => StepStatus.Cached);
        }


        // "base" must come back as the very image that was saved, so the save has nothing to export.
        var save = run.Report.Save!;
        output.WriteLine($"save: exported {save.StagesExported} stage(s), {save.BytesExported} bytes; reused {save.StagesReused}");
        Assert.Equal(0, save.StagesExported);
        Assert.Equal(0, save.BytesExported);
        Assert.Equal(0, save.LayersWritten);
    }

    private async Task ColdAsync(TempDirectory temp, string store, string[] extra, CancellationToken ct)
    {
        await using var first = await Runner.StartAsync(ct);
        var app = Write(temp.Combine("app1"), source: "v1");
        var cold = await first.LayercacheAsync(Builder.Classic, Commands.Build(app, store, ["--scope", Commands.MainScope, "-t", "demo:latest", .. extra]), ct);
        cold.ExpectExit(0);
        Assert.True(cold.Report.Save is { Saved: true }, $"the cold build must save: {cold}");
        output.WriteLine($"cold: {cold.Report.Save.StagesExported} image(s) saved");
    }

    private static string Write(string directory, string source)
    {
        Directory.CreateDirectory(Path.Combine(directory, "src"));
        File.WriteAllText(Path.Combine(directory, "Dockerfile"), Dockerfile + "\n");
        File.WriteAllText(Path.Combine(directory, "deps.txt"), "left-pad 1.3.0\n");
        File.WriteAllText(Path.Combine(directory, "src", "main.txt"), $"app {source}\n");
        return directory;
    }

    private static void AssertSteps(CliRun run, StageBuildReport stage, Func<StepReport, StepStatus> expected)
    {
        Assert.NotEmpty(stage.Steps);
        foreach (var step in stage.Steps)
        {
            Assert.True(step.Status == expected(step), $"{stage.Stage}: {step.Instruction} is {step.Status}, expected {expected(step)}\n{run}");
        }
    }
}
