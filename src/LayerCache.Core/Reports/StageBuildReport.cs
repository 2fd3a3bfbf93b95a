namespace LayerCache.Core.Reports;

/// <summary>One stage's build: its image and steps.</summary>
public sealed record StageBuildReport(string Stage, string? Image, string? ImageId, IReadOnlyList<StepReport> Steps, string? Note);
