using System.Globalization;
using System.Text;
using LayerCache.Core;
using LayerCache.Core.Reports;

namespace LayerCache.Cli;

/// <summary>The human forms of a <see cref="RunReport"/>: a plain-text table for logs, markdown for the GitHub step summary.</summary>
internal static class ReportRenderer
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string ToText(RunReport report)
    {
        var text = new StringBuilder();
        text.Append(Invariant, $"layercache {report.Command}: target {report.Target}, scope {report.Scope}");
        if (report.ReadScopes.Count > 1)
        {
            text.Append(Invariant, $" (falls back to {string.Join(", ", report.ReadScopes.Skip(1))})");
        }

        text.Append('\n');
        if (report.Restore is { } restore)
        {
            text.Append("restore: ").Append(RestoreLine(restore)).Append('\n');
            foreach (var reason in restore.Reasons)
            {
                text.Append("  - ").Append(reason).Append('\n');
            }

            if (report.Build is null && restore.CacheFrom.Count > 0)
            {
                // restore alone: the user's own docker build needs these to hit.
                text.Append("docker build arguments: ").AppendJoin(' ', restore.CacheFrom.Select(c => "--cache-from " + c)).Append('\n');
            }
        }

        if (report.Shortcut is { } shortcut)
        {
            text.Append("inputs:  ").Append(ShortcutLine(shortcut)).Append('\n');
            foreach (var reason in shortcut.Reasons)
            {
                text.Append("  - ").Append(reason).Append('\n');
            }
        }

        if (report.Build is { } build)
        {
            text.Append("build:   ").Append(BuildLine(build)).Append('\n');
            var rows = new List<string[]> { new[] { "  STAGE", "STEP", "RESULT", "SECONDS", "INSTRUCTION" } };
            foreach (var stage in build.Stages)
            {
                if (stage.Note is not null)
                {
                    rows.Add(["  " + stage.Stage, "-", "-", "-", stage.Note]);
                }

                foreach (var step in stage.Steps)
                {
                    rows.Add(
                    [
                        "  " + stage.Stage,
                        step.Number.ToString(Invariant),
                        step.Status.ToString().ToLowerInvariant() + (step.Reason is { } why ? $" ({why})" : string.Empty),
                        step.Seconds is { } s ? s.ToString("0.0", Invariant) : "-",
                        Truncate(step.Instruction, 70),
                    ]);
                }
            }

            text.Append(TextTable.Render(rows));
        }

        if (report.Save is { } save)
        {
            text.Append("save:    ").Append(SaveLine(save)).Append('\n');
        }

        foreach (var warning in report.Warnings)
        {
            text.Append("warning: ").Append(warning).Append('\n');
        }

        return text.ToString();
    }

    public static string ToMarkdown(RunReport report)
    {
        var text = new StringBuilder();
        text.Append(Invariant, $"### layercache {report.Command}: `{report.Target}` (scope `{report.Scope}`)\n\n");
        if (report.Restore is { } restore)
        {
            text.Append("- **restore**: ").Append(RestoreLine(restore)).Append('\n');
        }

        if (report.Shortcut is { } shortcut)
        {
            text.Append("- **inputs**: ").Append(ShortcutLine(shortcut)).AppendJoin("; ", shortcut.Reasons.Select(r => " " + r)).Append('\n');
        }

        if (report.Build is { } build)
        {
            text.Append("- **build**: ").Append(BuildLine(build)).Append('\n');
        }

        if (report.Save is { } save)
        {
            text.Append("- **save**: ").Append(SaveLine(save)).Append('\n');
        }

        foreach (var warning in report.Warnings)
        {
            text.Append("- :warning: ").Append(warning).Append('\n');
        }

        if (report.Build is { Stages.Count: > 0 } stages)
        {
            text.Append("\n| stage | step | result | seconds | instruction |\n|---|---|---|---|---|\n");
            foreach (var stage in stages.Stages)
            {
                foreach (var step in stage.Steps)
                {
                    var seconds = step.Seconds is { } s ? s.ToString("0.0", Invariant) : "";
                    text.Append(Invariant, $"| {stage.Stage} | {step.Number} | {step.Status.ToString().ToLowerInvariant()} | {seconds} | `{Truncate(step.Instruction, 70).Replace("|", "\\|", StringComparison.Ordinal)}` |\n");
                }
            }
        }

        return text.Append('\n').ToString();
    }

    private static string RestoreLine(RestoreReport restore)
    {
        if (!restore.Hit)
        {
            return string.Create(Invariant, $"miss ({restore.Seconds:0.0}s): building cold");
        }

        var age = restore.EntryCreated is { } created ? $", {Durations.Format(DateTimeOffset.UtcNow - created)} old" : string.Empty;
        return string.Create(
            Invariant,
            $"hit, entry {restore.Entry} (scope {restore.EntryScope}{age}): {restore.Stages.Count} stage image(s), {restore.LayersLoaded} layer(s) loaded ({Durations.Bytes(restore.BytesLoaded)}), {restore.LayersSkipped} already in the engine, {restore.Seconds:0.0}s");
    }

    private static string ShortcutLine(ShortcutReport shortcut)
    {
        var digest = shortcut.Inputs is { } inputs ? $"{Durations.Short(LayerCache.Oci.Digest.Parse(inputs))} ({shortcut.ContextFiles} context files, {Durations.Bytes(shortcut.ContextBytes)}), " : string.Empty;
        return shortcut.Taken
            ? string.Create(Invariant, $"{digest}{ShortcutReport.InputsUnchanged} since entry {shortcut.Entry}: no build, only the target image loaded; {Durations.Bytes(shortcut.BytesNotMoved)} not moved; {shortcut.Seconds:0.0}s")
            : string.Create(Invariant, $"{digest}shortcut not taken:");
    }

    private static string BuildLine(BuildReport build)
    {
        var builder = build.BuilderReason is { } why ? $"{build.Builder} ({why})" : build.Builder;
        var line = string.Create(Invariant, $"{builder}, {build.Seconds:0.0}s, {build.StepsCached} step(s) cached, {build.StepsExecuted} executed");
        if (build.SecondsSaved is { } saved)
        {
            line += string.Create(Invariant, $", ~{saved:0.0}s saved by the cache");
        }

        return build.ExitCode != 0 ? line + string.Create(Invariant, $"; FAILED with exit code {build.ExitCode}: {build.Error}") : line;
    }

    private static string SaveLine(SaveReport save)
    {
        if (!save.Saved && save.SkippedReason is { } why && save.Entry is null)
        {
            return string.Create(Invariant, $"skipped: {why}");
        }

        var what = save.Saved ? $"entry {save.Entry}" : $"{save.SkippedReason}";
        var pruned = save.EntriesPruned > 0 ? string.Create(Invariant, $", pruned {save.EntriesPruned} entr{(save.EntriesPruned == 1 ? "y" : "ies")}") : string.Empty;
        return string.Create(
            Invariant,
            $"{what}: {save.StagesExported} stage image(s) exported, {(save.StagesPushed > 0 ? $"{save.StagesPushed} pushed by the engine, " : string.Empty)}{save.StagesReused} unchanged; {save.LayersWritten} layer(s) written ({Durations.Bytes(save.LayerBytesWritten)}; {Durations.Bytes(save.BytesWritten)} with configs and manifests), {save.LayersSkipped} already stored{pruned}; store {Durations.Bytes(save.StoreBytes)}; {save.Seconds:0.0}s");
    }

    private static string Truncate(string value, int max)
    {
        var line = value.ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }
}
