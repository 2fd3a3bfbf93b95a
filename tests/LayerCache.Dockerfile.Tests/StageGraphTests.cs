namespace LayerCache.Dockerfile.Tests;

public class StageGraphTests
{
    private static readonly Dictionary<string, string> NoArgs = [];

    // The multi-stage shape of seed 004: two compile stages in parallel on a shared base, a
    // "compiled" stage kept only for caching, and a runtime stage on a minimal external image.
    private const string Seed004 = """
        FROM something as base
        WORKDIR /build
        COPY something /build
        RUN get-dependencies

        FROM base as compile-backend
        RUN compile-backend.sh

        FROM base as compile-frontend
        RUN compile-frontend.sh

        FROM base as compiled
        COPY --from=compile-backend /app /app
        COPY --from=compile-frontend /assets /app/assets

        FROM minimal-something as runtime
        COPY --from=compile-backend /app /app
        COPY --from=compile-frontend /assets /app/assets
        ENTRYPOINT ["/app/run"]
        """;

    private static BuildPlan Plan(string text, string? target = null, Dictionary<string, string>? args = null)
        => StageGraph.Plan(DockerfileParser.Parse(text), target, args ?? NoArgs);

    [Fact]
    public void Seed004_runtime_needs_base_and_both_compile_stages_but_not_compiled()
    {
        var plan = Plan(Seed004);

        Assert.Equal("runtime", plan.Target.Name);
        Assert.Equal(["base", "compile-backend", "compile-frontend", "runtime"], plan.Stages.Select(s => s.DisplayName));
        Assert.Equal(["something", "minimal-something"], plan.ExternalImages);
        Assert.Equal(5, plan.AllStages.Count);

        var runtime = plan.Target;
        Assert.Equal(new StageBase(StageBaseKind.Image, "minimal-something", null), runtime.Base);
        Assert.Equal([1, 2], runtime.DependsOn);
        Assert.Equal(["minimal-something"], runtime.ExternalImages);
        Assert.Equal(16, runtime.Line);
        Assert.Equal(["copy", "copy", "entrypoint"], runtime.Instructions.Select(i => i.Keyword));

        var frontend = plan.AllStages[2];
        Assert.Equal(new StageBase(StageBaseKind.Stage, "base", 0), frontend.Base);
        Assert.Equal([0], frontend.DependsOn);
        Assert.Empty(frontend.ExternalImages);
    }

    [Fact]
    public void Seed004_compiled_target_is_case_insensitive()
    {
        var plan = Plan(Seed004, "COMPILED");

        Assert.Equal(["base", "compile-backend", "compile-frontend", "compiled"], plan.Stages.Select(s => s.DisplayName));
        Assert.Equal(["something"], plan.ExternalImages);
        Assert.Equal([0, 1, 2], plan.Target.DependsOn);
    }

    [Fact]
    public void Copy_from_by_index_and_by_image()
    {
        var plan = Plan("""
            FROM golang:1.22
            RUN go build -o /app
            FROM scratch
            COPY --from=0 /app /app
            COPY --from=busybox:1.36 /bin/busybox /bin/
            COPY --from=docker.io/library/busybox:1.36 /bin/sh /bin/
            """);

        Assert.Equal(["0", "1"], plan.Stages.Select(s => s.DisplayName));
        Assert.Equal(StageBaseKind.Scratch, plan.Target.Base.Kind);
        Assert.Equal([0], plan.Target.DependsOn);
        Assert.Equal(["busybox:1.36", "docker.io/library/busybox:1.36"], plan.Target.ExternalImages);
        Assert.Equal(["golang:1.22", "busybox:1.36", "docker.io/library/busybox:1.36"], plan.ExternalImages);
    }

    [Fact]
    public void Run_mount_from_stage_and_image()
    {
        var plan = Plan("""
            FROM node:20 AS deps
            RUN npm ci
            FROM node:20
            RUN --mount=type=cache,target=/root/.npm --mount=type=bind,from=deps,source=/node_modules,target=/m \
                --mount=type=bind,"from=ghcr.io/acme/tools:1",target=/tools make
            """);

        Assert.Equal([0], plan.Target.DependsOn);
        Assert.Equal(["node:20", "ghcr.io/acme/tools:1"], plan.Target.ExternalImages);
        Assert.Equal(["node:20", "ghcr.io/acme/tools:1"], plan.ExternalImages);
        Assert.Equal(["deps", "1"], plan.Stages.Select(s => s.DisplayName));
    }

    [Fact]
    public void Independent_stages_are_not_needed_and_ties_keep_file_order()
    {
        var plan = Plan("""
            FROM a AS one
            FROM b AS unused
            FROM c AS two
            FROM d
            COPY --from=two / /
            COPY --from=one / /
            """);

        Assert.Equal(["one", "two", "3"], plan.Stages.Select(s => s.DisplayName));
        Assert.Equal(["a", "c", "d"], plan.ExternalImages);
        Assert.Equal([2, 0], plan.Target.DependsOn);
        Assert.Null(plan.Target.Name);
    }

    [Fact]
    public void Meta_args_expand_in_from_name_and_platform_with_build_arg_overrides()
    {
        const string text = """
            ARG REGISTRY=docker.io
            ARG TAG=3.19
            ARG FLAVOR
            FROM --platform=${PLATFORM:-linux/amd64} $REGISTRY/library/alpine:${TAG} AS Build
            ARG TAG
            FROM ${REGISTRY}/busybox${FLAVOR:+-$FLAVOR}
            COPY --from=build / /
            """;

        var defaults = Plan(text);
        Assert.Equal("docker.io/library/alpine:3.19", defaults.AllStages[0].Base.Reference);
        Assert.Equal("linux/amd64", defaults.AllStages[0].Platform);
        Assert.Equal("build", defaults.AllStages[0].Name);
        Assert.Equal("docker.io/busybox", defaults.AllStages[1].Base.Reference);
        Assert.Null(defaults.AllStages[1].Platform);
        Assert.Equal(new Dictionary<string, string> { ["REGISTRY"] = "docker.io", ["TAG"] = "3.19" }, defaults.MetaArgs);
        Assert.Equal([0], defaults.Target.DependsOn);

        var overridden = Plan(text, "BUILD", new() { ["TAG"] = "edge", ["FLAVOR"] = "musl", ["REGISTRY"] = "mirror:5000", ["UNDECLARED"] = "x" });
        Assert.Equal("mirror:5000/library/alpine:edge", overridden.Target.Base.Reference);
        Assert.Equal(["mirror:5000/library/alpine:edge"], overridden.ExternalImages);
        Assert.Equal("mirror:5000/busybox-musl", overridden.AllStages[1].Base.Reference);
        Assert.False(overridden.MetaArgs.ContainsKey("UNDECLARED"));
    }

    [Theory]
    [InlineData("$V", "set", "set")]
    [InlineData("${V}", "set", "set")]
    [InlineData("x${UNSET}y$UNSET", "set", "xy")]
    [InlineData("${V:-def}", "set", "set")]
    [InlineData("${V:-def}", "", "def")]
    [InlineData("${UNSET:-def}", "", "def")]
    [InlineData("${V-def}", "", "")]
    [InlineData("${UNSET-def}", "", "def")]
    [InlineData("${V:+alt}", "set", "alt")]
    [InlineData("${V:+alt}", "", "")]
    [InlineData("${V+alt}", "", "alt")]
    [InlineData("${UNSET+alt}", "", "")]
    [InlineData("\\$V", "set", "$V")]
    [InlineData("a\\${V}", "set", "a${V}")]
    [InlineData("'$V'", "set", "$V")]
    [InlineData("\"$V\"", "set", "set")]
    [InlineData("${V#s}", "set", "et")]
    [InlineData("${V%t}", "set", "se")]
    [InlineData("${V/e/E}", "set", "sEt")]
    public void Each_expansion_form_in_from(string word, string value, string expected)
    {
        // Through a meta ARG into --platform: neither is an image reference, so any result stands.
        var plan = Plan($"ARG V\nARG W=p{word}\nFROM --platform=$W img\n", null, new() { ["V"] = value });

        Assert.Equal("p" + expected, plan.MetaArgs["W"]);
        Assert.Equal("p" + expected, plan.Target.Platform);
    }

    [Fact]
    public void Only_meta_args_are_in_scope_for_from_and_stage_args_must_be_redeclared()
    {
        var plan = Plan("""
            ARG BASE=alpine
            FROM $BASE AS one
            ARG LOCAL=zzz
            ENV NEXT=$LOCAL
            FROM $LOCAL${BASE} AS two
            ARG BASE
            COPY --from=one / /
            """);

        Assert.Equal("alpine", plan.Target.Base.Reference);
        Assert.Equal([0], plan.Target.DependsOn);
        Assert.Equal(["alpine"], plan.Target.ExternalImages);
    }

    [Fact]
    public void Builtin_platform_args_come_from_build_args_without_declaration()
    {
        var plan = Plan("FROM --platform=$BUILDPLATFORM golang AS build\nFROM --platform=$TARGETPLATFORM alpine\n", null,
            new() { ["BUILDPLATFORM"] = "linux/amd64" });

        Assert.Equal("linux/amd64", plan.AllStages[0].Platform);
        Assert.Equal(string.Empty, plan.AllStages[1].Platform);
    }

    [Fact]
    public void Unknown_target_names_the_target()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan(Seed004, "release"));

        Assert.Contains("\"release\"", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Dockerfile:1: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FROM a AS 1st\n", 1, "invalid name for build stage: \"1st\", name can't start with a number or contain symbols")]
    [InlineData("FROM a AS\n", 1, "FROM requires either one or three arguments")]
    [InlineData("FROM a\nCOPY --from=2 / /\nFROM b\n", 2, "invalid stage index 2")]
    [InlineData("FROM a\nFROM b\nCOPY --from=1 / /\n", 3, "circular dependency detected on stage: stage-1")]
    [InlineData("FROM a AS x\nCOPY --from=x / /\n", 2, "circular dependency detected on stage: x")]
    [InlineData("FROM a AS x\nCOPY --from=y / /\nFROM b AS y\nCOPY --from=x / /\n", 2, "circular dependency detected on stage: x")]
    [InlineData("ARG V\nRUN echo\nFROM a\n", 2, "no build stage in current context")]
    [InlineData("ARG V\n", 1, "dockerfile contains no stages to build")]
    [InlineData("FROM $NOTHING\n", 1, "base name ($NOTHING) should not be blank")]
    [InlineData("FROM --pull a\n", 1, "unknown flag: --pull")]
    // convert.go buildDispatchStates; instructions/bflag.go BFlags.Parse; instructions/parse.go parseArg.
    [InlineData("ARG P\nFROM --platform=$P a\n", 2, "empty platform value from expression $P")]
    [InlineData("FROM a\nCOPY --from=a --from=b / /\n", 2, "duplicate flag specified: --from")]
    [InlineData("FROM a\nCOPY --from / /\n", 2, "missing a value on flag: --from")]
    [InlineData("ARG =x\nFROM a\n", 1, "ARG names can not be blank")]
    [InlineData("ARG V\n\nFROM ${V:?required}\n", 3, "failed to process \"${V:?required}\": V: required")]
    public void Stage_errors_carry_their_line(string text, int line, string problem)
    {
        var error = Assert.Throws<DockerfileException>(() => Plan(text));

        Assert.Equal(line, error.Line);
        Assert.Equal(problem, error.Problem);
    }
}
