using LayerCache.Core.Reports;

namespace LayerCache.Cli.Tests;

public sealed class ReportRendererTests
{
    private static readonly RunReport Report = new()
    {
        Command = "build",
        Scope = "acme/shop/feature-x",
        ReadScopes = ["acme/shop/feature-x", "acme/shop/main"],
        Target = "runtime",
        Restore = new RestoreReport
        {
            Hit = true,
            Entry = "acme_shop_main.20261122T080000Z",
            EntryScope = "acme/shop/main",
            EntryCreated = DateTimeOffset.UtcNow.AddHours(-2),
            Reasons = ["entry acme_shop_feature-x.20261101T080000Z: base image busybox:latest changed (aaaaaaaaaaaa -> bbbbbbbbbbbb)"],
            Stages = [new RestoredStage("base", "localhost/layercache/acme/shop/feature-x:base", 2, 1, 2_000_000)],
            LayersLoaded = 2,
            LayersSkipped = 1,
            BytesLoaded = 2_000_000,
            Seconds = 1.25,
            CacheFrom = ["localhost/layercache/acme/shop/feature-x:base"],
        },
        Build = new BuildReport
        {
            Builder = "buildkit",
            Seconds = 3.5,
            SecondsSaved = 41.2,
            Stages =
            [
                new StageBuildReport("base", "localhost/layercache/acme/shop/feature-x:base", null, [new StepReport(2, "RUN make | tee log", StepStatus.Cached, 0)], null),
                new StageBuildReport("runtime", null, null, [new StepReport(1, "COPY --from=base /out /app", StepStatus.Executed, 0.4)], null),
            ],
        },
        Save = new SaveReport { Saved = true, Entry = "acme_shop_feature-x.20261122T100000Z", StagesExported = 1, StagesReused = 1, LayersWritten = 1, LayersSkipped = 3, BytesWritten = 1500, LayerBytesWritten = 1200, StoreBytes = 3_500_000, Seconds = 0.5 },
        Warnings = ["cache store dir:x is unusable: boom"],
    };

    [Fact]
    public void Text_says_hit_or_miss_and_why_per_stage_and_step()
    {
        var text = ReportRenderer.ToText(Report);

        Assert.Contains("scope acme/shop/feature-x (falls back to acme/shop/main)", text, StringComparison.Ordinal);
        Assert.Contains("restore: hit, entry acme_shop_main.20261122T080000Z (scope acme/shop/main, 2h old)", text, StringComparison.Ordinal);
        Assert.Contains("base image busybox:latest changed", text, StringComparison.Ordinal);
        Assert.Contains("1 step(s) cached, 1 executed, ~41.2s saved by the cache", text, StringComparison.Ordinal);
        Assert.Matches(@"runtime\s+1\s+executed\s+0\.4\s+COPY --from=base /out /app", text);
        Assert.Contains("1 layer(s) written (1.2 kB; 1.5 kB with configs and manifests), 3 already stored", text, StringComparison.Ordinal);
        Assert.Contains("warning: cache store dir:x is unusable: boom", text, StringComparison.Ordinal);
        Assert.DoesNotContain("--cache-from", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_builder_and_why_are_named_in_text_and_step_summary()
    {
        var report = Report with { Build = Report.Build! with { Builder = "classic", BuilderReason = "docker CLI 28.2.2 has no buildx plugin" } };

        Assert.Contains("build:   classic (docker CLI 28.2.2 has no buildx plugin), 3.5s", ReportRenderer.ToText(report), StringComparison.Ordinal);
        Assert.Contains("**build**: classic (docker CLI 28.2.2 has no buildx plugin)", ReportRenderer.ToMarkdown(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_alone_prints_the_cache_from_arguments()
    {
        var text = ReportRenderer.ToText(Report with { Command = "restore", Build = null, Save = null });

        Assert.Contains("docker build arguments: --cache-from localhost/layercache/acme/shop/feature-x:base", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_escapes_pipes_in_instructions()
    {
        var markdown = ReportRenderer.ToMarkdown(Report);

        Assert.Contains("| base | 2 | cached | 0.0 | `RUN make \\| tee log` |", markdown, StringComparison.Ordinal);
        Assert.Contains("- :warning: cache store dir:x is unusable: boom", markdown, StringComparison.Ordinal);
    }
}
