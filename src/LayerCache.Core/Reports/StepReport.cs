namespace LayerCache.Core.Reports;

/// <summary>One Dockerfile step: cached or executed, and how long it took.</summary>
/// <param name="Number">The step's number in the build.</param>
/// <param name="Instruction">The instruction as docker showed it.</param>
/// <param name="Status">Cached, executed, failed.</param>
/// <param name="Seconds">How long it took, when docker said.</param>
/// <param name="Reason">Why it was cached when no build ran (<see cref="ShortcutReport.InputsUnchanged"/>), else null.</param>
public sealed record StepReport(int Number, string Instruction, StepStatus Status, double? Seconds, string? Reason = null);
