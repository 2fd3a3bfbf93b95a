using LayerCache.Docker.Build;

namespace LayerCache.Docker.Tests;

/// <summary>
/// Parsing of real outputs captured from builds of TestData/two-stage and TestData/failing on a private
/// engine (see LiveBuildOutputTests, LAYERCACHE_CAPTURE_BUILD_OUTPUT). Stored outputs carry no arrival
/// times, so classic durations are unknown here; BuildKit's come from its DONE lines.
/// </summary>
public sealed class CapturedBuildOutputTests
{
    private static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "build-output", name + ".txt"));

    [Theory]
    [InlineData("classic-cold", BuilderKind.Classic)]
    [InlineData("classic-failing", BuilderKind.Classic)]
    [InlineData("buildkit-warm", BuilderKind.BuildKit)]
    [InlineData("buildkit-failing", BuilderKind.BuildKit)]
    public void Detects_the_builder(string capture, BuilderKind builder) =>
        Assert.Equal(builder, BuildOutputParser.Detect(Read(capture)));

    [Fact]
    public void Classic_cold_build_executes_every_step_and_names_each_image()
    {
        var output = BuildOutputParser.Parse(Read("classic-cold"));

        Assert.Equal(BuilderKind.Classic, output.Builder);
        Assert.True(output.Succeeded);
        Assert.Matches("^[0-9a-f]{12}$", output.ImageId);
        Assert.Equal(["lc-build/classic:latest"], output.Tags);
        Assert.Equal(10, output.Steps.Count);
        Assert.Equal(
            ["FROM busybox:latest AS build", "WORKDIR /src", "COPY input.txt .",
             "RUN echo \"building\" && cat input.txt > out.txt && echo \"built $(wc -c < out.txt) bytes\"",
             "RUN sleep 1 && wc -c out.txt > size.txt", "FROM busybox:latest AS final",
             "COPY --from=build /src/out.txt /src/size.txt /app/", "RUN echo \"final stage\" && ls /app",
             "LABEL org.example.test=layercache", "CMD [\"cat\", \"/app/out.txt\"]"],
            output.Steps.Select(s => s.Instruction));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], output.Steps.Select(s => s.StageIndex ?? -1));
        Assert.Equal("final", output.Steps[^1].Stage);
        Assert.Equal(8, output.ExecutedSteps);
        Assert.Equal(2, output.CachedSteps); // the two FROMs: base image already in the engine
        Assert.True(output.Steps[0].IsFrom);
        Assert.Equal(output.Steps[0].ImageId, output.Steps[5].ImageId); // both stages start from busybox
        Assert.Equal(output.ImageId, output.Steps[^1].ImageId);
        Assert.Equal(["building", "built 9 bytes"], output.Steps[3].Output);
        Assert.Equal(["final stage", "out.txt", "size.txt"], output.Steps[7].Output);
        Assert.All(output.Steps, s => Assert.Null(s.Duration));
    }

    [Fact]
    public void Classic_warm_build_is_all_cache_hits_with_the_cold_build_ids()
    {
        var cold = BuildOutputParser.Parse(Read("classic-cold"));
        var warm = BuildOutputParser.Parse(Read("classic-warm"));

        Assert.Equal(10, warm.CachedSteps);
        Assert.All(warm.Steps, s => Assert.True(s.Cached));
        Assert.Equal(cold.Steps.Select(s => s.ImageId), warm.Steps.Select(s => s.ImageId));
        Assert.Equal(cold.ImageId, warm.ImageId);
    }

    [Fact]
    public void Classic_partial_build_misses_from_the_changed_copy_on()
    {
        var output = BuildOutputParser.Parse(Read("classic-partial"));

        Assert.Equal(
            [true, true, false, false, false, true, false, false, false, false],
            output.Steps.Select(s => s.Cached));
        Assert.True(output.Succeeded);
    }

    [Fact]
    public void Classic_failing_build_reports_the_failed_step_and_its_error()
    {
        var output = BuildOutputParser.Parse(Read("classic-failing"));

        Assert.False(output.Succeeded);
        Assert.Null(output.ImageId);
        Assert.Equal("The command '/bin/sh -c echo oops && exit 3' returned a non-zero code: 3", output.Error);
        var failed = output.Steps[^1];
        Assert.Equal(BuildStepStatus.Failed, failed.Status);
        Assert.Equal(3, failed.Number);
        Assert.Equal(output.Error, failed.Error);
        Assert.Equal(["oops"], failed.Output);
        Assert.Null(failed.Stage);
        Assert.Equal(0, failed.StageIndex);
    }

    [Fact]
    public void BuildKit_cold_build_executes_each_vertex_with_its_own_time()
    {
        var output = BuildOutputParser.Parse(Read("buildkit-cold"));

        Assert.Equal(BuilderKind.BuildKit, output.Builder);
        Assert.True(output.Succeeded);
        Assert.Matches("^sha256:[0-9a-f]{64}$", output.ImageId);
        Assert.Equal(["docker.io/lc-build/bk:latest"], output.Tags);
        // FROM (merged for both stages), build 2-5, final 2-3; LABEL and CMD make no vertex.
        Assert.Equal(7, output.Steps.Count);
        var sleep = Assert.Single(output.Steps, s => s.Instruction.StartsWith("RUN sleep 1", StringComparison.Ordinal));
        Assert.Equal(("build", 5, 5, BuildStepStatus.Executed), (sleep.Stage, sleep.Number, sleep.Total, sleep.Status));
        Assert.InRange(sleep.Duration!.Value.TotalSeconds, 1.0, 3.0);
        Assert.Equal(6, output.ExecutedSteps);
        var from = Assert.Single(output.Steps, s => s.IsFrom);
        Assert.Equal(BuildStepStatus.Cached, from.Status);
        var build = output.Steps.Single(s => s.Instruction.StartsWith("RUN echo \"building\"", StringComparison.Ordinal));
        Assert.Equal(["building", "built 9 bytes"], build.Output);
        Assert.All(output.Steps, s => Assert.NotNull(s.Vertex));
        Assert.Equal(
            ["build 1/5", "build 2/5", "build 3/5", "build 4/5", "build 5/5", "final 2/3", "final 3/3"],
            output.Steps.Select(s => $"{s.Stage} {s.Number}/{s.Total}"));
    }

    [Fact]
    public void BuildKit_warm_build_is_all_cached_with_the_cold_image()
    {
        var cold = BuildOutputParser.Parse(Read("buildkit-cold"));
        var warm = BuildOutputParser.Parse(Read("buildkit-warm"));

        Assert.Equal(cold.ImageId, warm.ImageId);
        Assert.Equal(7, warm.CachedSteps);
        Assert.All(warm.Steps, s => Assert.Equal(TimeSpan.Zero, s.Duration));
        Assert.Equal(
            cold.Steps.Where(s => !s.IsFrom).Select(s => (s.Stage, s.Number, s.Instruction)),
            warm.Steps.Where(s => !s.IsFrom).Select(s => (s.Stage, s.Number, s.Instruction)));
    }

    [Fact]
    public void BuildKit_partial_build_misses_from_the_changed_copy_on()
    {
        var output = BuildOutputParser.Parse(Read("buildkit-partial"));

        Assert.Equal(
            ["build 1/5 Cached", "build 2/5 Cached", "build 3/5 Executed", "build 4/5 Executed", "build 5/5 Executed", "final 2/3 Executed", "final 3/3 Executed"],
            output.Steps.Select(s => $"{s.Stage} {s.Number}/{s.Total} {s.Status}"));
    }

    [Fact]
    public void BuildKit_failing_build_reports_the_failed_vertex()
    {
        var output = BuildOutputParser.Parse(Read("buildkit-failing"));

        Assert.False(output.Succeeded);
        Assert.Null(output.ImageId);
        Assert.Empty(output.Tags);
        Assert.Equal("executor failed running [/bin/sh -c echo oops && exit 3]: exit code: 3", output.Error);
        Assert.Equal(["1/3 Cached", "2/3 Executed", "3/3 Failed"], output.Steps.Select(s => $"{s.Number}/{s.Total} {s.Status}"));
        Assert.All(output.Steps, s => Assert.Equal(0, s.StageIndex));
        Assert.Equal(["oops"], output.Steps[2].Output);
    }

    [Fact]
    public void Classic_build_that_pulls_its_base_executes_the_from_step()
    {
        var output = BuildOutputParser.Parse(Read("classic-pulled-base"));

        Assert.Equal([BuildStepStatus.Executed, BuildStepStatus.Executed], output.Steps.Select(s => s.Status));
        Assert.Contains(output.Steps[0].Output, l => l.StartsWith("Status: Downloaded newer image", StringComparison.Ordinal));
        Assert.Equal(["lc-build/pulled:latest"], output.Tags);
    }

    [Fact]
    public void BuildKit_build_that_pulls_its_base_executes_the_from_step()
    {
        var output = BuildOutputParser.Parse(Read("buildkit-pulled-base"));

        Assert.Equal([BuildStepStatus.Executed, BuildStepStatus.Executed], output.Steps.Select(s => s.Status));
        Assert.Equal(TimeSpan.FromSeconds(0.6), output.Steps[0].Duration);
        Assert.Equal(["pulled"], output.Steps[1].Output);
        // "naming to … 0.0s done": the newer progress format carries a time before "done".
        Assert.Equal(["docker.io/lc-build/pulled:latest"], output.Tags);
        Assert.True(output.Succeeded);
    }
}
