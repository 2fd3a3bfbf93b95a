namespace LayerCache.Dockerfile.Tests;

/// <summary>
/// The stage-graph rules of current BuildKit (moby/buildkit master, read at 73ed6825), one class of
/// rule per test group; each cites the BuildKit file and function whose behaviour it pins.
/// </summary>
public class BuildKitRulesTests
{
    private static readonly Dictionary<string, string> NoArgs = [];

    private static BuildPlan Plan(string text, string? target = null, Dictionary<string, string>? args = null)
        => StageGraph.Plan(DockerfileParser.Parse(text), target, args ?? NoArgs);

    private static DockerfileException Fails(string text, string? target = null, Dictionary<string, string>? args = null)
        => Assert.Throws<DockerfileException>(() => Plan(text, target, args));

    // frontend/dockerfile/dockerfile2llb/convert.go, dispatchContext.resolveReachableStages calls
    // resolveBaseImage for every stage with an image base, reachable or not, and resolveBaseImage
    // starts with reference.ParseNormalizedNamed ("failed to parse stage name %q").
    [Fact]
    public void Image_reference_invalid_after_arg_expansion_fails_even_in_an_unneeded_stage()
    {
        const string text = """
            ARG UNSET
            FROM alpine:${UNSET} AS unused
            RUN true
            FROM busybox
            """;

        var error = Fails(text);

        Assert.Equal(2, error.Line);
        Assert.StartsWith("failed to parse stage name \"alpine:\": ", error.Problem, StringComparison.Ordinal);
        Assert.Equal("alpine:3.20", Plan(text, null, new() { ["UNSET"] = "3.20" }).AllStages[0].Base.Reference);
    }

    // convert.go resolveReachableStages: unregistered states (COPY --from images) go through
    // resolveBaseImage too; only the exact name emptyImageName ("scratch") is the empty image.
    [Theory]
    [InlineData("FROM busybox AS unused\nCOPY --from=Alpine / /\nFROM busybox\n", 2, "failed to parse stage name \"Alpine\"")]
    [InlineData("FROM SCRATCH\n", 1, "failed to parse stage name \"SCRATCH\"")]
    [InlineData("FROM busybox\nRUN --mount=from=UPPER,target=/x true\n", 2, "failed to parse stage name \"UPPER\"")]
    public void Image_references_from_copy_mount_and_scratch_follow_the_reference_grammar(string text, int line, string problem)
    {
        var error = Fails(text);

        Assert.Equal(line, error.Line);
        Assert.StartsWith(problem, error.Problem, StringComparison.Ordinal);
    }

    // Fail open on what only the engine knows: BuildKit gives the platform args the engine's values
    // (dockerfile2llb/platform.go defaultArgs), which a plan without --build-arg cannot know, so a
    // reference built from them is not judged.
    [Fact]
    public void Reference_built_from_an_engine_platform_arg_is_not_judged_without_its_value()
    {
        var plan = Plan("FROM --platform=$BUILDPLATFORM golang:${TARGETVARIANT} AS build\nFROM build\n");

        Assert.Equal("golang:", plan.AllStages[0].Base.Reference);
        Assert.Equal(string.Empty, plan.AllStages[0].Platform);
    }

    // convert.go toCommand: COPY --from is processed with an empty environment and must come out
    // unchanged, else "variable expansion is not supported for --from" — checked for every stage
    // while building the dependency graph (buildStageDependencyGraph), even when the variable is set.
    [Theory]
    [InlineData("FROM a AS build\nFROM b AS unused\nARG SRC=build\nCOPY --from=$SRC / /\nFROM c\n", 4)]
    [InlineData("ARG SRC=build\nFROM a AS build\nFROM b\nCOPY --from=${SRC:-build} / /\n", 4)]
    public void Copy_from_with_a_variable_fails(string text, int line)
    {
        var error = Fails(text);

        Assert.Equal(line, error.Line);
        Assert.Equal("variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround", error.Problem);
    }

    // frontend/dockerfile/instructions/commands_runmount.go parseMount (no expander at parse time):
    // a from value with a '$' anywhere but last fails, whether the variable is set or not.
    [Fact]
    public void Run_mount_from_with_a_variable_fails()
    {
        var error = Fails("FROM a AS deps\nFROM b AS unused\nARG D=deps\nRUN --mount=type=bind,from=${D},target=/d true\nFROM c\n");

        Assert.Equal(4, error.Line);
        Assert.Equal("'from' doesn't support variable expansion, define alias stage instead", error.Problem);
    }

    // instructions/parse.go parseBuildStageName: the AS name is lower-cased as written and matched
    // against validStageName ^[a-z][a-z0-9-_.]*$; it is never ARG-expanded.
    [Theory]
    [InlineData("ARG NAME=build\nFROM alpine AS ${NAME}\n", "invalid name for build stage: \"${NAME}\", name can't start with a number or contain symbols")]
    [InlineData("FROM alpine AS b@d\n", "invalid name for build stage: \"b@d\", name can't start with a number or contain symbols")]
    [InlineData("FROM alpine AS _x\n", "invalid name for build stage: \"_x\", name can't start with a number or contain symbols")]
    public void Stage_name_must_be_valid_as_written(string text, string problem)
    {
        var error = Fails(text);

        Assert.Equal(problem, error.Problem);
    }

    // parse.go parseBuildStageName lower-cases the name; convert.go dispatchStates.addState looks a
    // FROM base up by the expanded name exactly (so "FROM Build" is the image "Build", which
    // ParseNormalizedNamed refuses), while findStateByName (--from, --target) lower-cases its input.
    [Fact]
    public void Stage_names_are_lower_case_and_only_from_and_target_lookups_ignore_case()
    {
        var plan = Plan("FROM alpine AS Build\nFROM build AS next\nCOPY --from=BUILD / /\n", "NEXT");

        Assert.Equal("build", plan.AllStages[0].Name);
        Assert.Equal(new StageBase(StageBaseKind.Stage, "build", 0), plan.Target.Base);
        Assert.Equal([0], plan.Target.DependsOn);

        var error = Fails("FROM alpine AS build\nFROM Build\n");
        Assert.Equal(2, error.Line);
        Assert.StartsWith("failed to parse stage name \"Build\": ", error.Problem, StringComparison.Ordinal);
    }

    // convert.go buildMetaArgs: an ARG without a value leaves the variable as it was (built-in or
    // earlier meta ARG); dispatchArg: inside a stage, an ARG without a value takes the global one.
    [Fact]
    public void Arg_without_a_value_keeps_the_earlier_value()
    {
        var plan = Plan("""
            ARG TAG=3.19
            ARG TAG
            ARG TARGETSTAGE
            FROM alpine:${TAG}-${TARGETSTAGE} AS final
            """);

        Assert.Equal("alpine:3.19-final", plan.Target.Base.Reference);
        Assert.Equal("3.19", plan.MetaArgs["TAG"]);
    }

    // dockerfile2llb/platform.go defaultArgs: BUILDPLATFORM, BUILDOS, BUILDOSVERSION, BUILDARCH,
    // BUILDVARIANT, TARGETPLATFORM, TARGETOS, TARGETOSVERSION, TARGETARCH, TARGETVARIANT and
    // TARGETSTAGE (the target, else the last stage's name, else "default"), a build arg overriding each.
    [Fact]
    public void Builtin_args_include_targetstage_and_the_os_versions()
    {
        const string text = """
            FROM mcr.microsoft.com/windows/servercore:${TARGETOSVERSION} AS win
            FROM busybox:${BUILDOSVERSION}-${TARGETSTAGE} AS tools
            FROM alpine:${TARGETSTAGE}
            """;
        var args = new Dictionary<string, string> { ["TARGETOSVERSION"] = "10.0.20348.2227", ["BUILDOSVERSION"] = "10.0.17763.1" };

        var plan = Plan(text, "tools", args);
        Assert.Equal("mcr.microsoft.com/windows/servercore:10.0.20348.2227", plan.AllStages[0].Base.Reference);
        Assert.Equal("busybox:10.0.17763.1-tools", plan.AllStages[1].Base.Reference);
        Assert.Equal("alpine:tools", plan.AllStages[2].Base.Reference);

        Assert.Equal("alpine:default", Plan(text, null, args).AllStages[2].Base.Reference);
        Assert.Equal("alpine:x", Plan(text, null, new(args) { ["TARGETSTAGE"] = "x" }).AllStages[2].Base.Reference);
    }

    // convert.go dispatch (CopyCommand): needed stages are dispatched in file order and a COPY from
    // a stage not dispatched yet fails: "cannot copy from stage %q, it needs to be defined before
    // current stage %q". A stage the target does not need is never dispatched.
    [Fact]
    public void Copy_from_a_stage_defined_later_fails_when_the_stage_is_needed()
    {
        const string text = """
            FROM alpine AS final
            COPY --from=assets /a /a
            FROM alpine
            COPY --from=2 /b /b
            FROM alpine AS assets
            RUN make-assets
            """;

        var error = Fails(text, "final");
        Assert.Equal(2, error.Line);
        Assert.Equal("cannot copy from stage \"assets\", it needs to be defined before current stage \"final\"", error.Problem);

        var index = Fails(text.Replace("COPY --from=assets /a /a\n", string.Empty, StringComparison.Ordinal) + "\nFROM scratch\nCOPY --from=1 / /\n");
        Assert.Equal(3, index.Line);
        Assert.Equal("cannot copy from stage \"2\", it needs to be defined before current stage \"stage-1\"", index.Problem);

        Assert.Equal(["assets"], Plan(text, "assets").Stages.Select(s => s.DisplayName));
    }

    // frontend/dockerfile/dockerfile2llb/convert_runmount.go dispatchRunMounts: "cannot mount from
    // stage %q to %q, stage needs to be defined before current command".
    [Fact]
    public void Mount_from_a_stage_defined_later_fails_when_the_stage_is_needed()
    {
        var error = Fails("FROM alpine AS first\nARG T=/cache\nRUN --mount=type=bind,from=later,target=$T true\nFROM alpine AS later\n", "first");

        Assert.Equal(3, error.Line);
        Assert.Equal("cannot mount from stage \"later\" to \"/cache\", stage needs to be defined before current command", error.Problem);
    }

    // convert_runmount.go detectRunMount: a mount's from is looked up with findStateByName only;
    // anything else is an image (an unregistered state) — "0" is the image docker.io/library/0.
    [Fact]
    public void Run_mount_from_takes_a_stage_name_or_an_image_never_an_index()
    {
        var plan = Plan("FROM alpine AS zero\nFROM busybox\nRUN --mount=from=0,target=/x --mount=from=ZERO,target=/z true\n");

        Assert.Equal([0], plan.Target.DependsOn);
        Assert.Equal(["busybox", "0"], plan.Target.ExternalImages);
        Assert.Equal(["zero", "1"], plan.Stages.Select(s => s.DisplayName));
    }

    // convert.go dispatchStates.addState keeps the last stage of a name (a FROM sees the latest
    // earlier one; --from and --target see the last in the file); a duplicate is only the lint
    // warning DuplicateStageName (dockerfile2llb/validations.go validateStageNames), not an error.
    [Fact]
    public void Duplicate_stage_names_are_allowed_and_the_last_one_wins()
    {
        const string text = """
            FROM alpine AS x
            FROM busybox AS x
            FROM x AS y
            FROM debian AS X
            FROM scratch
            COPY --from=x / /
            """;

        var plan = Plan(text);
        Assert.Equal(new StageBase(StageBaseKind.Stage, "x", 1), plan.AllStages[2].Base);
        Assert.Equal([3], plan.Target.DependsOn);
        Assert.Equal(["x", "4"], plan.Stages.Select(s => s.DisplayName));
        Assert.Equal(3, Plan(text, "X").Target.Index);
    }

    // convert.go resolveStages: a needed stage whose base is a stage runs the base's own ONBUILD
    // triggers (initOnBuildTriggers), whose COPY --from and mounts become dependencies; triggers do
    // not carry over further (dispatchState.init clears OnBuild) and are read only for needed stages.
    [Fact]
    public void Onbuild_copy_from_in_a_base_stage_adds_a_dependency()
    {
        const string text = """
            FROM alpine AS tools
            RUN make-tools
            FROM alpine AS base
            ONBUILD COPY --from=tools /t /t
            ONBUILD RUN --mount=from=ghcr.io/acme/sdk:1,target=/sdk true
            FROM base AS app
            FROM app AS app2
            FROM busybox AS other
            """;

        var app = Plan(text, "app");
        Assert.Equal(["tools", "base", "app"], app.Stages.Select(s => s.DisplayName));
        Assert.Equal([1, 0], app.Target.DependsOn);
        Assert.Equal(["ghcr.io/acme/sdk:1"], app.Target.ExternalImages);
        Assert.Equal(["alpine", "ghcr.io/acme/sdk:1"], app.ExternalImages);

        Assert.Equal([2], Plan(text, "app2").Target.DependsOn);
        Assert.Equal(["other"], Plan(text).Stages.Select(s => s.DisplayName));
    }

    // convert.go resolveStages: trigger errors surface only when the inheriting stage is needed,
    // located at its FROM (parser.SetLocation(err, d.stage.Location)).
    [Fact]
    public void Onbuild_trigger_errors_only_count_for_needed_stages()
    {
        const string text = """
            FROM alpine AS base
            ONBUILD COPY --from=$X / /
            FROM base AS app
            FROM busybox
            """;

        Assert.Equal(["2"], Plan(text).Stages.Select(s => s.DisplayName));
        var error = Fails(text, "app");
        Assert.Equal(3, error.Line);
        Assert.StartsWith("variable expansion is not supported for --from", error.Problem, StringComparison.Ordinal);
    }
}
