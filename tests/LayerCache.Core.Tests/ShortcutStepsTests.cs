using LayerCache.Core.Workflows;
using LayerCache.Docker.Build;
using LayerCache.Dockerfile;

namespace LayerCache.Core.Tests;

/// <summary>A shortcut run lists the steps the builder's own output lists, so step counts do not depend on the path a run took.</summary>
public sealed class ShortcutStepsTests
{
    private const string Text = """
        ARG BASE=busybox:latest
        FROM $BASE AS base
        ENV APP=demo
        WORKDIR /app
        COPY a.txt ./
        ADD b.tar /b/
        LABEL purpose=demo
        RUN make
        CMD ["run"]
        """;

    [Fact]
    public void Classic_lists_every_instruction_but_the_FROM()
    {
        var stage = Plan().Target;
        var steps = InputsShortcut.ReportedSteps(stage, BuilderKind.Classic).Select(i => i.Keyword);
        Assert.Equal(["env", "workdir", "copy", "add", "label", "run", "cmd"], steps);
    }

    [Fact]
    public void BuildKit_lists_only_the_instructions_that_make_filesystem_state()
    {
        var stage = Plan().Target;
        var steps = InputsShortcut.ReportedSteps(stage, BuilderKind.BuildKit).Select(i => i.Keyword);
        Assert.Equal(["workdir", "copy", "add", "run"], steps);
    }

    private static BuildPlan Plan() => StageGraph.Plan(DockerfileParser.Parse(Text), null, new Dictionary<string, string>());
}
