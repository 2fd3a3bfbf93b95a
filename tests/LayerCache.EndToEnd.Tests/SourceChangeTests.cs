using LayerCache.Core.Reports;
using LayerCache.Oci;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: one source file changed → only the steps after its COPY run; the save writes only the
/// new layers (the bytes written are asserted against the engine's own export of the new layers).
/// </summary>
[Collection(EngineCollections.B)]
public sealed class SourceChangeTests(ITestOutputHelper output)
{
    private const int SourceBytes = 256 * 1024;

    [Fact]
    public async Task One_changed_source_file_runs_only_the_steps_after_its_COPY_and_saves_only_the_new_layers()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        var blobsBefore = StoreFiles.Blobs(store).ToDictionary(b => b.Digest, b => b.Size);

        // The next commit on main: backend/main.txt changed (and grew, so that its layers outweigh metadata).
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        app.CommitBackend("2", SourceBytes);
        await using var runner = await Runner.StartAsync(ct);
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        run.ExpectExit(0);
        var report = run.Report;
        Assert.True(report.Restore is { Hit: true }, $"the store must be restored: {run}");
        Assert.Empty(report.Warnings);

        // Steps: compile-backend's COPY of the changed file and everything after it in the stages that
        // depend on it (runtime's COPY --from=compile-backend onwards) run; the rest is cached.
        var stages = report.Build!.Stages.ToDictionary(s => s.Stage);
        Assert.Equal(ExampleApp.ClassicStages, report.Build.Stages.Select(s => s.Stage));
        var runtimeCopy = stages["runtime"].Steps.Single(s => s.Instruction.StartsWith("COPY --from=compile-backend", StringComparison.Ordinal));
        // The classic builder also runs "compiled", which runtime does not need: it copies the changed app too.
        var compiledCopy = stages["compiled"].Steps.Single(s => s.Instruction.StartsWith("COPY --from=compile-backend", StringComparison.Ordinal));
        foreach (var stage in report.Build.Stages)
        {
            foreach (var step in stage.Steps)
            {
                var mustRun = stage.Stage == "compile-backend"
                    || (stage.Stage == "runtime" && step.Number >= runtimeCopy.Number)
                    || (stage.Stage == "compiled" && step.Number >= compiledCopy.Number);
                Assert.True(
                    step.Status == (mustRun ? StepStatus.Executed : StepStatus.Cached),
                    $"{stage.Stage}: {step.Instruction} is {step.Status}, expected {(mustRun ? "executed" : "cached")}\n{run}");
            }
        }

        // One docker build: the classic builder's stage images are tagged from its output, because a
        // --target pass per stage would run the changed steps again (with --cache-from, the classic
        // builder does not take the steps it has just run from its local cache).
        var runs = run.Stderr.Split('\n').Count(l => l.Contains(": RUN sh backend/build.sh", StringComparison.Ordinal));
        Assert.True(runs == 1, $"the build step appears {runs} times in the build output:\n{run.Stderr}");

        Assert.Contains(stages["compile-backend"].Steps, s => s.Instruction == "COPY backend/ backend/");
        Assert.Contains(stages["compile-backend"].Steps, s => s.Instruction.StartsWith("RUN sh backend/build.sh", StringComparison.Ordinal));
        Assert.True(stages["base"].Steps.Count > 0 && stages["compile-frontend"].Steps.Count > 0);

        // What changed, as the engine exports it: layers of the new stage images the store did not have.
        var images = await EngineExport.SaveAsync(runner.Client, report.Build.Stages.Select(s => s.Image ?? throw new Xunit.Sdk.XunitException($"stage {s.Stage} has no image: {run}")), ct);
        var changed = EngineExport.LayerSizes(images).Where(l => !blobsBefore.ContainsKey(l.Key.Digest)).ToList();
        var changedBytes = changed.Sum(l => l.Value);
        var save = report.Save!;
        output.WriteLine($"changed layers: {changed.Count}, {changedBytes} bytes; save wrote {save.LayersWritten} layer(s), {save.BytesWritten} bytes; store {save.StoreBytes} bytes");
        Assert.True(save.Saved, $"the changed build must be saved: {run}");
        Assert.True(changedBytes >= 2 * SourceBytes, $"the edit must have made big new layers, got {changedBytes} bytes");
        Assert.Equal(changed.Count, save.LayersWritten);
        Assert.Equal(changedBytes, save.LayerBytesWritten);
        Assert.Equal(2, save.StagesReused); // base and compile-frontend: the stored images serve as they are
        Assert.True(save.BytesWritten >= changedBytes, $"save wrote {save.BytesWritten} bytes, less than the {changedBytes} bytes of new layers");
        Assert.True(save.BytesWritten <= 1.1 * changedBytes, $"save wrote {save.BytesWritten} bytes for {changedBytes} bytes of new layers");
        Assert.True(save.BytesWritten < 0.1 * save.StoreBytes, $"save wrote {save.BytesWritten} of a {save.StoreBytes}-byte store");

        // The disk agrees with the report: the new blob files are the new layers plus a little metadata.
        var blobsAfter = StoreFiles.Blobs(store);
        var newOnDisk = blobsAfter.Where(b => !blobsBefore.ContainsKey(b.Digest)).ToList();
        Assert.All(changed, l => Assert.Contains(newOnDisk, b => b.Digest == l.Key.Digest));
        Assert.True(newOnDisk.Sum(b => b.Size) <= 1.1 * changedBytes, $"{newOnDisk.Sum(b => b.Size)} new bytes on disk for {changedBytes} bytes of new layers");
        Assert.All(blobsBefore, b => Assert.Contains(blobsAfter, a => a.Digest == b.Key)); // nothing rewritten away

        var printed = await AppOutput.RunAsync(runner, "demo:latest", ct);
        Assert.Contains("app: backend version 2", printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_layer_of_the_size_of_a_stored_layer_of_its_image_is_written_after_one_export()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await using var runner = await Runner.StartAsync(ct);

        // Two COPY layers whose tars have one size: same name length, same content length. Editing
        // b.txt (same length again) makes a new layer of exactly the size of the stored a.txt layer
        // of the same image: only the digest tells them apart.
        var context = temp.Combine("context");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {LayerCache.Testing.TestImages.Busybox}\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\n", ct);
        await File.WriteAllTextAsync(Path.Combine(context, "a.txt"), new string('a', 3000), ct);
        await File.WriteAllTextAsync(Path.Combine(context, "b.txt"), new string('b', 3000), ct);
        (await runner.LayercacheAsync(Builder.Classic, Commands.Build(context, store, "--scope", "acme/tiny/main"), ct)).ExpectExit(0);
        var blobsBefore = StoreFiles.Blobs(store).ToDictionary(b => b.Digest, b => b.Size);

        await File.WriteAllTextAsync(Path.Combine(context, "b.txt"), new string('c', 3000), ct);
        var run = await runner.LayercacheAsync(Builder.Classic, Commands.Build(context, store, "--scope", "acme/tiny/main"), ct);
        run.ExpectExit(0);
        Assert.Empty(run.Report.Warnings);
        var save = run.Report.Save!;
        Assert.True(save.Saved, $"the changed build must be saved: {run}");

        var image = Assert.Single(run.Report.Build!.Stages).Image!;
        var export = await EngineExport.SaveAsync(runner.Client, [image], ct);
        var layers = EngineExport.LayerSizes(export);
        var changed = Assert.Single(layers, l => !blobsBefore.ContainsKey(l.Key.Digest));
        Assert.Contains(layers, l => l.Key != changed.Key && l.Value == changed.Value);
        var oneExport = layers.Values.Sum();
        output.WriteLine($"new layer {changed.Value} bytes; save wrote {save.LayersWritten} layer(s), {save.LayerBytesWritten} layer bytes, {save.BytesWritten} in all; exported {save.BytesExported} bytes, one export is {oneExport}");
        Assert.Equal(1, save.LayersWritten);
        Assert.Equal(changed.Value, save.LayerBytesWritten);
        Assert.True(save.BytesExported <= oneExport, $"the engine exported {save.BytesExported} bytes; one export is {oneExport}: a second export ran");
        Assert.True(StoreFiles.Blobs(store).Any(b => b.Digest == changed.Key.Digest), "the new layer must be in the store");
        (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
    }
}
