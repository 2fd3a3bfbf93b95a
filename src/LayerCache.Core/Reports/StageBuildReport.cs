namespace LayerCache.Core.Reports;

/// <summary>One stage's build: its image (the engine tag and the image id it had when the build ended) and steps.</summary>
public sealed record StageBuildReport(string Stage, string? Image, string? ImageId, IReadOnlyList<StepReport> Steps, string? Note);
