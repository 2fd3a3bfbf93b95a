using System.Globalization;
using System.Text;
using LayerCache.Dockerfile;

namespace LayerCache.Cli.Commands;

/// <summary>The printable result of <c>layercache stages</c>; its JSON form is a stable interface.</summary>
internal sealed record StagesReport(
    string Dockerfile,
    string Target,
    IReadOnlyList<StageReport> Stages,
    IReadOnlyList<string> ExternalImages)
{
    /// <summary>The report format's version (<see cref="LayerCache.Core.Reports.ReportSchema"/>).</summary>
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = LayerCache.Core.Reports.ReportSchema.Version;

    public static StagesReport From(string dockerfile, BuildPlan plan)
    {
        var stages = plan.Stages
            .Select(s => new StageReport(
                s.Index,
                s.Name,
                new StageBaseReport(KindName(s.Base.Kind), s.Base.Reference, s.Base.StageIndex),
                s.Platform,
                s.Line,
                s.DependsOn.Select(i => plan.AllStages[i].DisplayName).ToList(),
                s.ExternalImages,
                s.Instructions.Count))
            .ToList();
        return new StagesReport(dockerfile, plan.Target.DisplayName, stages, plan.ExternalImages);
    }

    public string ToText()
    {
        var rows = new List<string[]> { new[] { "#", "STAGE", "BASE", "NEEDS", "LINE", "STEPS" } };
        foreach (var s in Stages)
        {
            var baseText = s.Base.Kind switch
            {
                "stage" => $"stage {s.Base.Reference}",
                "scratch" => "scratch",
                _ => s.Base.Reference,
            };
            var needs = s.DependsOn.Concat(s.ExternalImages.Where(i => i != s.Base.Reference)).ToList();
            rows.Add(
            [
                s.Index.ToString(CultureInfo.InvariantCulture),
                s.Name ?? "-",
                baseText,
                needs.Count == 0 ? "-" : string.Join(", ", needs),
                s.Line.ToString(CultureInfo.InvariantCulture),
                s.Instructions.ToString(CultureInfo.InvariantCulture),
            ]);
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Dockerfile}: target {Target}, {Stages.Count} stage(s) in build order\n");
        text.Append(TextTable.Render(rows));
        text.Append(CultureInfo.InvariantCulture, $"external images: {(ExternalImages.Count == 0 ? "none" : string.Join(", ", ExternalImages))}\n");
        return text.ToString();
    }

    private static string KindName(StageBaseKind kind) => kind switch
    {
        StageBaseKind.Stage => "stage",
        StageBaseKind.Scratch => "scratch",
        _ => "image",
    };
}
