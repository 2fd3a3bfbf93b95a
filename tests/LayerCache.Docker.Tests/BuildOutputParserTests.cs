using LayerCache.Docker.Build;

namespace LayerCache.Docker.Tests;

/// <summary>Edge cases of the build output parsers, on hand-written output in the builders' formats.</summary>
public sealed class BuildOutputParserTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Classic_durations_run_from_step_line_to_the_next_step_line()
    {
        var parser = BuildOutputParser.Create(BuilderKind.Classic);
        parser.ProcessLine("Step 1/2 : FROM scratch", T0);
        parser.ProcessLine(" ---> ", T0.AddSeconds(0.1));
        parser.ProcessLine("Step 2/2 : COPY a /a", T0.AddSeconds(0.5));
        parser.ProcessLine(" ---> 0123456789ab", T0.AddSeconds(2));
        parser.ProcessLine("Successfully built 0123456789ab", T0.AddSeconds(2.5));
        var output = parser.Complete(T0.AddSeconds(3));

        Assert.Equal([TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2)], output.Steps.Select(s => s.Duration!.Value));
        Assert.Equal(BuildStepStatus.Cached, output.Steps[0].Status); // FROM scratch: no base image, nothing built
        Assert.Null(output.Steps[0].ImageId);
        Assert.Equal(BuildStepStatus.Executed, output.Steps[1].Status);
        Assert.Equal("0123456789ab", output.ImageId);
    }

    [Fact]
    public void Classic_from_that_pulls_counts_as_executed_and_unnamed_stages_are_indexed()
    {
        var output = ClassicBuildOutputParser.Parse("""
            Step 1/3 : FROM registry.example/base:1
            1: Pulling from base
            Digest: sha256:0000000000000000000000000000000000000000000000000000000000000000
            Status: Downloaded newer image for registry.example/base:1
             ---> 0123456789ab
            Step 2/3 : FROM registry.example/other:2 as tools
             ---> ba9876543210
            Step 3/3 : COPY --from=0 /x /x
             ---> Using cache
             ---> 111111111111
            Successfully built 111111111111
            Successfully tagged app:1
            Successfully tagged app:latest
            """);

        Assert.Equal(BuildStepStatus.Executed, output.Steps[0].Status);
        Assert.Null(output.Steps[0].Stage);
        Assert.Equal(BuildStepStatus.Cached, output.Steps[1].Status);
        Assert.Equal(("tools", 1), (output.Steps[1].Stage, output.Steps[1].StageIndex));
        Assert.True(output.Steps[2].Cached);
        Assert.Equal(["app:1", "app:latest"], output.Tags);
    }

    [Fact]
    public void Classic_error_without_command_line_fails_the_open_step_with_the_last_line()
    {
        var output = ClassicBuildOutputParser.Parse("""
            Sending build context to Docker daemon  2.048kB
            Step 1/2 : FROM busybox:latest
             ---> f22cc26e14c9
            Step 2/2 : COPY missing.txt /
            COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist
            """);

        Assert.Equal(BuildStepStatus.Failed, output.Steps[1].Status);
        Assert.StartsWith("COPY failed: file not found", output.Error, StringComparison.Ordinal);
        Assert.Empty(output.Steps[1].Output);
        Assert.False(output.Succeeded);
    }

    [Fact]
    public void BuildKit_interleaved_vertices_repeated_headers_and_a_pulled_base()
    {
        var output = BuildKitOutputParser.Parse("""
            #4 [base 1/2] FROM 127.0.0.1:5000/lc/busybox:1@sha256:0000000000000000000000000000000000000000000000000000000000000000
            #4 resolve 127.0.0.1:5000/lc/busybox:1@sha256:0000000000000000000000000000000000000000000000000000000000000000 done
            #6 [stage-1 2/2] COPY --from=base /bin/busybox /bin/
            #4 sha256:1111111111111111111111111111111111111111111111111111111111111111 1.05MB / 1.99MB 0.2s
            #4 extracting sha256:1111111111111111111111111111111111111111111111111111111111111111 0.1s done
            #4 DONE 0.6s

            #5 [base 2/2] RUN make
            #5 0.101 compiling
            #5 DONE 2.5s

            #6 [stage-1 2/2] COPY --from=base /bin/busybox /bin/
            #6 DONE 0.1s

            #7 exporting to image
            #7 exporting layers 0.1s done
            #7 writing image sha256:2222222222222222222222222222222222222222222222222222222222222222 done
            #7 naming to docker.io/library/app:1 done
            #7 DONE 0.1s
            """);

        Assert.True(output.Succeeded);
        Assert.Equal("sha256:2222222222222222222222222222222222222222222222222222222222222222", output.ImageId);
        Assert.Equal(["docker.io/library/app:1"], output.Tags);
        Assert.Equal(
            ["base 1/2 Executed 0.6", "base 2/2 Executed 2.5", "stage-1 2/2 Executed 0.1"],
            output.Steps.Select(s => $"{s.Stage} {s.Number}/{s.Total} {s.Status} {s.Duration!.Value.TotalSeconds:0.0}"));
        Assert.Equal(1, output.Steps[2].StageIndex);
        Assert.Null(output.Steps[0].StageIndex);
        Assert.Equal(["compiling"], output.Steps[1].Output);
    }

    [Fact]
    public void BuildKit_output_cut_short_leaves_steps_incomplete_with_measured_time()
    {
        var parser = BuildOutputParser.Create(BuilderKind.BuildKit);
        parser.ProcessLine("#5 [2/2] RUN sleep 100", T0);
        parser.ProcessLine("#5 0.100 started", T0.AddSeconds(0.1));
        var output = parser.Complete(T0.AddSeconds(4));

        var step = Assert.Single(output.Steps);
        Assert.Equal(BuildStepStatus.Incomplete, step.Status);
        Assert.Equal(TimeSpan.FromSeconds(4), step.Duration);
        Assert.False(output.Succeeded);
    }

    [Fact]
    public void BuildKit_steps_follow_the_dockerfile_even_when_vertices_are_announced_out_of_order()
    {
        var output = BuildKitOutputParser.Parse("""
            #4 [2/2] RUN echo pulled
            #5 [1/2] FROM 127.0.0.1:5000/base:1
            #5 resolve 127.0.0.1:5000/base:1 done
            #5 DONE 0.4s
            #4 DONE 0.1s
            """);

        Assert.Equal(["FROM 127.0.0.1:5000/base:1", "RUN echo pulled"], output.Steps.Select(s => s.Instruction));
    }

    /// <summary>docker 23+ without buildx and DOCKER_BUILDKIT=1 (docker/cli cmd/docker/builder.go buildxMissingError): the error is docker's line, not the URL after it.</summary>
    [Fact]
    public void A_buildkit_error_is_the_clis_error_line_not_the_help_url_after_it()
    {
        var output = BuildKitOutputParser.Parse(
            """
            ERROR: BuildKit is enabled but the buildx component is missing or broken.
                   Install the buildx component to build images with BuildKit:
                   https://docs.docker.com/go/buildx/
            """);

        Assert.Equal("ERROR: BuildKit is enabled but the buildx component is missing or broken.", output.Error);
        Assert.False(output.Succeeded);
    }
}
