using LayerCache.Core.Reports;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: a run through the inputs shortcut reports the very steps a cached build of the same
/// Dockerfile reports (stages, step numbers, instructions), for the classic builder and BuildKit, so
/// that step counts, stats and history do not depend on which path a run took.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class ShortcutStepsTests
{
    // A global ARG, metadata-only instructions (ENV, LABEL, CMD, ARG), WORKDIR, a stage the target does
    // not need (the classic builder runs it, BuildKit does not) and an unnamed stage.
    private static readonly string Dockerfile = $"""
        ARG BASE={TestImages.Busybox}
        FROM $BASE AS base
        ENV APP=demo
        WORKDIR /app
        COPY a.txt ./
        RUN cat a.txt > /app/base.out

        FROM $BASE AS unneeded
        LABEL purpose=none
        RUN echo unneeded > /unneeded

        FROM $BASE
        RUN echo unnamed > /unnamed

        FROM base AS final
        ARG LEVEL=1
        COPY --from=2 /unnamed /app/unnamed
        RUN echo "final $LEVEL" > /app/final.out
        CMD ["cat", "/app/final.out"]
        """;

    [Theory]
    [InlineData("classic")]
    [InlineData("buildkit")]
    public async Task The_shortcut_reports_the_steps_a_cached_build_reports(string builderName)
    {
        var builder = builderName == "classic" ? Builder.Classic : Builder.BuildKit;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var context = temp.Combine("app");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), Dockerfile + "\n", ct);
        await File.WriteAllTextAsync(Path.Combine(context, "a.txt"), "a\n", ct);
        var store = temp.Combine("store");
        string[] args = Commands.Build(context, store, "--scope", Commands.MainScope, "-t", "demo:latest");

        await using var runner = await Runner.StartAsync(ct);
        (await runner.LayercacheAsync(builder, args, ct)).ExpectExit(0);

        // A file no step reads: the normal path, every step cached, counted by the builder's own output.
        await File.WriteAllTextAsync(Path.Combine(context, "NOTES.md"), "read by no step\n", ct);
        var cached = await runner.LayercacheAsync(builder, args, ct);
        cached.ExpectExit(0);
        Assert.True(cached.Report.Shortcut is null or { Taken: false }, $"a changed context must take the normal path: {cached}");
        Assert.Equal(0, cached.Report.Build!.StepsExecuted);

        // The same inputs again: the shortcut.
        var shortcut = await runner.LayercacheAsync(builder, args, ct);
        shortcut.ExpectExit(0);
        Assert.True(shortcut.Report.Shortcut is { Taken: true }, $"unchanged inputs must take the shortcut: {shortcut}");

        // BuildKit prints an instruction with its build args expanded; the shortcut lists it as written:
        // the same step, so BuildKit's steps are compared by stage, number and keyword.
        List<string> Steps(BuildReport build) =>
            [.. build.Stages.SelectMany(s => s.Steps.Select(t => $"{s.Stage} #{t.Number} {(builder == Builder.Classic ? t.Instruction : t.Instruction.Split(' ')[0])} {t.Status}"))];
        Assert.Equal(Steps(cached.Report.Build), Steps(shortcut.Report.Build!));
        Assert.Equal(cached.Report.Build.StepsCached, shortcut.Report.Build!.StepsCached);
    }
}
