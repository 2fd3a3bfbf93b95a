using LayerCache.Docker.Build;
using LayerCache.Testing;
using Xunit.Abstractions;

namespace LayerCache.Docker.Tests;

/// <summary>
/// Real builds of a small two-stage Dockerfile with both builders on a private engine, parsed as the
/// lines arrive (so durations are measured), checked against what the engine then reports. Set
/// LAYERCACHE_CAPTURE_BUILD_OUTPUT=DIR to also write the outputs there (how TestData/build-output was made).
/// </summary>
public sealed class LiveBuildOutputTests(PrivateDockerd engine, PrivateRegistry registry, ITestOutputHelper log)
    : IClassFixture<PrivateDockerd>, IClassFixture<PrivateRegistry>, IDisposable
{
    private readonly DockerEngineClient _client = new(DockerEndpoint.Parse(engine.Host));
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(4));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _client.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Classic_builder_cold_warm_partial_and_failing()
    {
        var context = CopyContext("two-stage");
        const string tag = "lc-build/classic:latest";

        var cold = await BuildAsync(BuilderKind.Classic, context, tag, "classic-cold");
        Assert.True(cold.Succeeded, cold.Error);
        var image = await _client.InspectImageAsync(tag, Ct);
        Assert.Equal(image!.Id.Hex[..12], cold.ImageId);
        Assert.Equal([tag], cold.Tags);
        Assert.Equal(10, cold.Steps.Count);
        Assert.Equal(Enumerable.Range(1, 10), cold.Steps.Select(s => s.Number));
        Assert.All(cold.Steps, s => Assert.Equal(10, s.Total));
        Assert.Equal(["build", "build", "build", "build", "build", "final", "final", "final", "final", "final"], cold.Steps.Select(s => s.Stage));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], cold.Steps.Select(s => s.StageIndex ?? -1));
        Assert.All(cold.Steps.Where(s => !s.IsFrom), s => Assert.Equal(BuildStepStatus.Executed, s.Status));
        Assert.All(cold.Steps.Where(s => s.IsFrom), s => Assert.Equal(BuildStepStatus.Cached, s.Status));
        Assert.All(cold.Steps, s => Assert.Matches("^[0-9a-f]{12}$", s.ImageId));
        Assert.All(cold.Steps, s => Assert.NotNull(s.Duration));
        Assert.Equal(cold.ImageId, cold.Steps[^1].ImageId);
        Assert.Contains("building", cold.Steps[3].Output);
        Assert.True(cold.Steps[4].Duration >= TimeSpan.FromSeconds(0.9), $"sleep step took {cold.Steps[4].Duration}");

        // Intermediate images exist in the engine under the ids the output named.
        foreach (var step in cold.Steps.Where(s => !s.IsFrom))
        {
            Assert.NotNull(await _client.InspectImageAsync(step.ImageId!, Ct));
        }

        var warm = await BuildAsync(BuilderKind.Classic, context, tag, "classic-warm");
        Assert.Equal(cold.ImageId, warm.ImageId);
        Assert.All(warm.Steps, s => Assert.Equal(BuildStepStatus.Cached, s.Status));
        Assert.Equal(cold.Steps.Select(s => s.ImageId), warm.Steps.Select(s => s.ImageId));
        Assert.True(warm.Steps[4].Duration < TimeSpan.FromSeconds(0.9));

        await File.WriteAllTextAsync(Path.Combine(context, "input.txt"), "hello v2\n", Ct);
        var partial = await BuildAsync(BuilderKind.Classic, context, tag, "classic-partial");
        Assert.Equal(
            [BuildStepStatus.Cached, BuildStepStatus.Cached, BuildStepStatus.Executed, BuildStepStatus.Executed, BuildStepStatus.Executed,
             BuildStepStatus.Cached, BuildStepStatus.Executed, BuildStepStatus.Executed, BuildStepStatus.Executed, BuildStepStatus.Executed],
            partial.Steps.Select(s => s.Status));
        Assert.NotEqual(cold.ImageId, partial.ImageId);

        var failing = await BuildAsync(BuilderKind.Classic, CopyContext("failing"), "lc-build/failing:classic", "classic-failing");
        Assert.False(failing.Succeeded);
        Assert.Null(failing.ImageId);
        Assert.Equal("The command '/bin/sh -c echo oops && exit 3' returned a non-zero code: 3", failing.Error);
        Assert.Equal([BuildStepStatus.Cached, BuildStepStatus.Executed, BuildStepStatus.Failed], failing.Steps.Select(s => s.Status));
        Assert.Equal(["oops"], failing.Steps[2].Output);
        Assert.Null(failing.Steps[0].Stage);
    }

    [Fact]
    public async Task BuildKit_builder_cold_warm_partial_and_failing()
    {
        var context = CopyContext("two-stage");
        const string tag = "lc-build/bk:latest";

        var cold = await BuildAsync(BuilderKind.BuildKit, context, tag, "buildkit-cold");
        Assert.True(cold.Succeeded, cold.Error);
        var image = await _client.InspectImageAsync(tag, Ct);
        Assert.Equal(image!.Id.Value, cold.ImageId);
        Assert.Equal(["docker.io/" + tag], cold.Tags);

        var steps = cold.Steps.Where(s => !s.IsFrom).ToList();
        Assert.Equal(
            ["build 2/5 WORKDIR /src", "build 3/5 COPY input.txt .", "build 4/5 RUN echo \"building\" && cat input.txt > out.txt && echo \"built $(wc -c < out.txt) bytes\"",
             "build 5/5 RUN sleep 1 && wc -c out.txt > size.txt", "final 2/3 COPY --from=build /src/out.txt /src/size.txt /app/", "final 3/3 RUN echo \"final stage\" && ls /app"],
            steps.Select(s => $"{s.Stage} {s.Number}/{s.Total} {s.Instruction}"));
        Assert.All(steps, s => Assert.Equal(BuildStepStatus.Executed, s.Status));
        Assert.All(cold.Steps, s => Assert.NotNull(s.Vertex));
        Assert.Contains("building", steps[2].Output);
        Assert.True(steps[3].Duration >= TimeSpan.FromSeconds(0.9), $"sleep step took {steps[3].Duration}");
        // BuildKit merges the identical FROM of both stages into one vertex; the base was local, not pulled.
        Assert.Equal(BuildStepStatus.Cached, Assert.Single(cold.Steps, s => s.IsFrom).Status);

        var warm = await BuildAsync(BuilderKind.BuildKit, context, tag, "buildkit-warm");
        Assert.Equal(cold.ImageId, warm.ImageId);
        Assert.All(warm.Steps, s => Assert.Equal(BuildStepStatus.Cached, s.Status));
        Assert.All(warm.Steps, s => Assert.Equal(TimeSpan.Zero, s.Duration));
        Assert.Equal(cold.Steps.Count, warm.Steps.Count);

        await File.WriteAllTextAsync(Path.Combine(context, "input.txt"), "hello v2\n", Ct);
        var partial = await BuildAsync(BuilderKind.BuildKit, context, tag, "buildkit-partial");
        Assert.True(partial.Succeeded, partial.Error);
        Assert.Equal(
            ["build 2/5 Cached", "build 3/5 Executed", "build 4/5 Executed", "build 5/5 Executed", "final 2/3 Executed", "final 3/3 Executed"],
            partial.Steps.Where(s => !s.IsFrom).Select(s => $"{s.Stage} {s.Number}/{s.Total} {s.Status}"));
        Assert.Equal(BuildStepStatus.Cached, Assert.Single(partial.Steps, s => s.IsFrom).Status);

        var failing = await BuildAsync(BuilderKind.BuildKit, CopyContext("failing"), "lc-build/failing:bk", "buildkit-failing");
        Assert.False(failing.Succeeded);
        Assert.Null(failing.ImageId);
        Assert.Contains("exit code: 3", failing.Error, StringComparison.Ordinal);
        var failed = Assert.Single(failing.Steps, s => s.Status == BuildStepStatus.Failed);
        Assert.Equal("RUN echo oops && exit 3", failed.Instruction);
        Assert.Equal(3, failed.Number);
        Assert.Null(failed.Stage);
        Assert.Equal(0, failed.StageIndex);
        Assert.Equal(["oops"], failed.Output);
    }

    [Theory]
    [InlineData(BuilderKind.Classic)]
    [InlineData(BuilderKind.BuildKit)]
    public async Task A_base_image_pulled_during_the_build_counts_as_executed(BuilderKind builder)
    {
        var baseImage = $"{registry.Address}/lc-build/base:{builder.ToString().ToLowerInvariant()}";
        await _client.TagImageAsync(TestImages.Busybox, baseImage, Ct);
        await _client.PushImageAsync(baseImage, null, null, Ct);

        // A fresh engine (a fresh CI runner) has no base image: the build must pull it.
        await using var fresh = await PrivateDockerd.StartAsync(loadBaseImages: false, Ct);
        var context = Path.Combine(fresh.Root, "ctx-pull");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {baseImage}\nRUN echo pulled\n", Ct);

        var name = builder == BuilderKind.Classic ? "classic-pulled-base" : "buildkit-pulled-base";
        var output = await BuildAsync(fresh, builder, context, "lc-build/pulled:latest", name);

        Assert.True(output.Succeeded, output.Error);
        Assert.Equal([BuildStepStatus.Executed, BuildStepStatus.Executed], output.Steps.Select(s => s.Status));
        Assert.True(output.Steps[0].IsFrom);
        Assert.Single(output.Tags, t => t.EndsWith("lc-build/pulled:latest", StringComparison.Ordinal));
    }

    private Task<BuildOutput> BuildAsync(BuilderKind builder, string context, string tag, string captureName) =>
        BuildAsync(engine, builder, context, tag, captureName);

    private async Task<BuildOutput> BuildAsync(PrivateDockerd target, BuilderKind builder, string context, string tag, string captureName)
    {
        var parser = BuildOutputParser.Create(builder);
        var lines = new List<string>();
        List<string> args = ["build", "--network", "none", "-t", tag];
        if (builder == BuilderKind.BuildKit)
        {
            args.Add("--progress=plain");
        }

        args.Add(context);
        var env = new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = builder == BuilderKind.BuildKit ? "1" : "0" };
        var result = await target.RunDockerCliAsync(args, env, line =>
        {
            lines.Add(line.Text);
            parser.ProcessLine(line.Text, line.ReceivedAt);
        }, Ct);
        var output = parser.Complete(DateTimeOffset.UtcNow);

        log.WriteLine($"== {captureName}: exit {result.ExitCode}, {output.CachedSteps} cached, {output.ExecutedSteps} executed");
        foreach (var step in output.Steps)
        {
            log.WriteLine($"  {step.Stage ?? "-"} {step.Number}/{step.Total} {step.Status} {step.Duration?.TotalSeconds:0.000}s {step.Instruction}");
        }

        if (Environment.GetEnvironmentVariable("LAYERCACHE_CAPTURE_BUILD_OUTPUT") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, captureName + ".txt"), string.Join('\n', lines) + "\n", Ct);
        }

        Assert.Equal(output.Error is null, result.Succeeded);
        return output;
    }

    private string CopyContext(string name)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "TestData", name);
        var target = Path.Combine(engine.Root, "ctx-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }
}
