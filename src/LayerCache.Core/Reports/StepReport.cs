namespace LayerCache.Core.Reports;

/// <summary>One Dockerfile step: cached or executed, and how long it took.</summary>
public sealed record StepReport(int Number, string Instruction, StepStatus Status, double? Seconds);
