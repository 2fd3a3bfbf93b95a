using System.Globalization;
using System.Text;
using LayerCache.Core;
using LayerCache.Core.Stats;

namespace LayerCache.Cli;

/// <summary>
/// The human forms of a <see cref="StatsReport"/>: text for a terminal or CI log (totals, miss reasons,
/// per image, the newest runs and a bar chart in block characters), Markdown for the GitHub step
/// summary (the same, with a Mermaid chart GitHub draws), and an SVG bar chart of seconds per run.
/// </summary>
internal static class StatsRenderer
{
    /// <summary>How many of the newest runs the text and Markdown tables and charts show (JSON has them all).</summary>
    public const int ShownRuns = 30;

    private const int BarWidth = 40;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string ToText(StatsReport report)
    {
        var text = new StringBuilder();
        text.Append("layercache stats: ").Append(report.Store).Append(Filter(report)).Append('\n');
        if (!report.HistoryKept)
        {
            return text.Append("no run history: the store does not exist yet (builds, restores and saves add to it)\n").ToString();
        }

        text.Append(TotalsLine(report.Totals)).Append('\n');
        if (report.InvalidLines > 0)
        {
            text.Append(Invariant, $"warning: {report.InvalidLines} line(s) of the history were not valid records and were skipped\n");
        }

        if (report.Runs.Count == 0)
        {
            return text.Append("no runs recorded").Append(Filter(report)).Append('\n').ToString();
        }

        if (report.MissReasons.Count > 0)
        {
            text.Append("\nmisses:\n");
            foreach (var miss in report.MissReasons)
            {
                text.Append(Invariant, $"  {miss.Count,4}  {Truncate(miss.Reason, 100)}\n");
            }
        }

        text.Append("\nper scope and image:\n");
        var images = new List<string[]> { new[] { "  SCOPE", "IMAGE", "RUNS", "HITS", "MISSES", "CACHED", "EXECUTED", "SAVED", "LOADED", "WRITTEN" } };
        foreach (var image in report.Images)
        {
            var t = image.Totals;
            images.Add(["  " + image.Scope, image.Image, Num(t.Runs), Num(t.Hits), Num(t.Misses), Num(t.StepsCached), Num(t.StepsExecuted), Seconds(t.SecondsSaved), Durations.Bytes(t.BytesLoaded), Durations.Bytes(t.BytesWritten)]);
        }

        text.Append(TextTable.Render(images));
        var shown = Newest(report);
        text.Append(Invariant, $"\nruns ({(shown.Count < report.Runs.Count ? $"newest {shown.Count} of {report.Runs.Count}" : Num(shown.Count))}, oldest first):\n");
        var rows = new List<string[]> { new[] { "  TIME", "COMMAND", "SCOPE", "RESTORE", "CACHED", "EXECUTED", "SECONDS", "SAVED", "LOADED", "WRITTEN" } };
        foreach (var run in shown)
        {
            rows.Add(["  " + Time(run.Time), run.Command, run.Scope, Restore(run), Num(run.StepsCached), Num(run.StepsExecuted), Seconds(run.Seconds), run.SecondsSaved is { } s ? Seconds(s) : "-", Durations.Bytes(run.BytesLoaded), Durations.Bytes(run.BytesWritten)]);
        }

        text.Append(TextTable.Render(rows));
        text.Append("\nseconds per run (█ took, ░ saved by the cache):\n").Append(TextChart(shown));
        return text.ToString();
    }

    public static string ToMarkdown(StatsReport report)
    {
        var text = new StringBuilder();
        text.Append("### layercache stats").Append(Filter(report)).Append("\n\n");
        if (!report.HistoryKept || report.Runs.Count == 0)
        {
            return text.Append(report.HistoryKept ? "No runs recorded yet.\n\n" : "No run history: the store does not exist yet.\n\n").ToString();
        }

        text.Append(TotalsLine(report.Totals)).Append("\n\n");
        var shown = Newest(report);

        // GitHub draws Mermaid charts in step summaries; elsewhere the block shows as text.
        var max = Math.Max(1, shown.Max(r => r.Seconds + (r.SecondsSaved ?? 0)));
        text.Append("```mermaid\nxychart-beta\n  title \"Seconds per run: took (bars), saved by the cache (line)\"\n");
        text.Append("  x-axis [").AppendJoin(", ", shown.Select((_, i) => Num(report.Runs.Count - shown.Count + i + 1))).Append("]\n");
        text.Append(Invariant, $"  y-axis \"seconds\" 0 --> {Math.Ceiling(max)}\n");
        text.Append("  bar [").AppendJoin(", ", shown.Select(r => r.Seconds.ToString("0.0", Invariant))).Append("]\n");
        text.Append("  line [").AppendJoin(", ", shown.Select(r => (r.SecondsSaved ?? 0).ToString("0.0", Invariant))).Append("]\n```\n\n");

        if (report.MissReasons.Count > 0)
        {
            text.Append("| misses | reason |\n|---:|---|\n");
            foreach (var miss in report.MissReasons)
            {
                text.Append(Invariant, $"| {miss.Count} | {Cell(Truncate(miss.Reason, 100))} |\n");
            }

            text.Append('\n');
        }

        text.Append("| # | time (UTC) | command | scope | restore | cached | executed | seconds | saved | loaded | written |\n|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (var i = 0; i < shown.Count; i++)
        {
            var run = shown[i];
            text.Append(Invariant, $"| {report.Runs.Count - shown.Count + i + 1} | {Time(run.Time)} | {run.Command} | `{Cell(run.Scope)}` | {Cell(Restore(run))} | {run.StepsCached} | {run.StepsExecuted} | {Seconds(run.Seconds)} | {(run.SecondsSaved is { } s ? Seconds(s) : "")} | {Durations.Bytes(run.BytesLoaded)} | {Durations.Bytes(run.BytesWritten)} |\n");
        }

        return text.Append('\n').ToString();
    }

    /// <summary>
    /// A self-contained SVG bar chart of the newest runs: each bar is the seconds a run took (green:
    /// its restore hit, orange: it missed, grey: no restore) with the seconds the cache saved stacked
    /// above it, lighter.
    /// </summary>
    public static string ToSvg(StatsReport report)
    {
        var runs = Newest(report);
        const int Left = 56, Top = 40, Height = 220, Bottom = 40, Right = 16, Slot = 24, Bar = 16;
        var width = Left + Math.Max(1, runs.Count) * Slot + Right;
        var max = NiceMax(runs.Count == 0 ? 1 : runs.Max(r => r.Seconds + (r.SecondsSaved ?? 0)));
        double Y(double seconds) => Top + Height - (seconds / max * Height);

        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{Top + Height + Bottom}\" viewBox=\"0 0 {width} {Top + Height + Bottom}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append(Invariant, $"  <title>layercache: seconds per run{Xml(Filter(report))}</title>\n");
        svg.Append(Invariant, $"  <rect width=\"{width}\" height=\"{Top + Height + Bottom}\" fill=\"#ffffff\"/>\n");
        svg.Append(Invariant, $"  <text x=\"{Left}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">layercache: seconds per run{Xml(Filter(report))}</text>\n");
        svg.Append(Invariant, $"  <text x=\"{Left}\" y=\"31\" fill=\"#555555\">{Xml(TotalsLine(report.Totals))}</text>\n");
        for (var i = 0; i <= 4; i++)
        {
            var value = max * i / 4;
            var y = Y(value);
            svg.Append(Invariant, $"  <line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{width - Right}\" y2=\"{y:0.#}\" stroke=\"#e0e0e0\"/>\n");
            svg.Append(Invariant, $"  <text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{value:0.#}s</text>\n");
        }

        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var x = Left + (i * Slot) + ((Slot - Bar) / 2);
            var color = run.Hit switch { true => "#2da44e", false => "#d4760a", null => "#8c959f" };
            var took = Y(run.Seconds);
            var saved = Y(run.Seconds + (run.SecondsSaved ?? 0));
            var label = $"{Time(run.Time)} {run.Command} {run.Scope}: {Restore(run)}, {Seconds(run.Seconds)} took" + (run.SecondsSaved is { } s ? $", {Seconds(s)} saved" : string.Empty);
            svg.Append(Invariant, $"  <g><title>{Xml(label)}</title>\n");
            svg.Append(Invariant, $"    <rect x=\"{x}\" y=\"{took:0.##}\" width=\"{Bar}\" height=\"{Top + Height - took:0.##}\" fill=\"{color}\"/>\n");
            if (run.SecondsSaved is > 0)
            {
                svg.Append(Invariant, $"    <rect x=\"{x}\" y=\"{saved:0.##}\" width=\"{Bar}\" height=\"{took - saved:0.##}\" fill=\"{color}\" fill-opacity=\"0.3\"/>\n");
            }

            svg.Append("  </g>\n");
            svg.Append(Invariant, $"  <text x=\"{x + (Bar / 2)}\" y=\"{Top + Height + 14}\" text-anchor=\"middle\">{report.Runs.Count - runs.Count + i + 1}</text>\n");
        }

        svg.Append(Invariant, $"  <line x1=\"{Left}\" y1=\"{Top + Height}\" x2=\"{width - Right}\" y2=\"{Top + Height}\" stroke=\"#333333\"/>\n");
        svg.Append(Invariant, $"  <text x=\"{Left}\" y=\"{Top + Height + 32}\" fill=\"#555555\">run #: green hit, orange miss, grey no restore; light: seconds the cache saved</text>\n");
        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>One line per run: a bar of the seconds it took, then the seconds the cache saved.</summary>
    internal static string TextChart(IReadOnlyList<StatsRun> runs)
    {
        if (runs.Count == 0)
        {
            return string.Empty;
        }

        var max = Math.Max(0.1, runs.Max(r => r.Seconds + (r.SecondsSaved ?? 0)));
        var text = new StringBuilder();
        foreach (var run in runs)
        {
            var took = (int)Math.Round(run.Seconds / max * BarWidth);
            var saved = (int)Math.Round((run.Seconds + (run.SecondsSaved ?? 0)) / max * BarWidth) - took;
            var bar = new string('█', took) + new string('░', Math.Max(0, saved));
            text.Append(Invariant, $"  {Time(run.Time)} {Restore(run),-6} {bar.PadRight(BarWidth)} {Seconds(run.Seconds)}{(run.SecondsSaved is { } s ? $" (+{Seconds(s)} saved)" : string.Empty)}\n");
        }

        return text.ToString();
    }

    private static List<StatsRun> Newest(StatsReport report) => report.Runs.Skip(Math.Max(0, report.Runs.Count - ShownRuns)).ToList();

    private static string TotalsLine(StatsTotals t)
    {
        var rate = t.HitRate is { } r ? string.Create(Invariant, $": {r * 100:0}% hit") : string.Empty;
        return string.Create(
            Invariant,
            $"{t.Runs} run(s); {t.Restores} restore(s), {t.Hits} hit, {t.Misses} missed{rate}; {t.StepsCached} step(s) cached, {t.StepsExecuted} executed; ~{Seconds(t.SecondsSaved)} saved; {Durations.Bytes(t.BytesLoaded)} loaded, {Durations.Bytes(t.BytesWritten)} written, {t.EntriesSaved} entr{(t.EntriesSaved == 1 ? "y" : "ies")} saved");
    }

    private static string Filter(StatsReport report)
    {
        var parts = new List<string>();
        if (report.Scope is { } scope)
        {
            parts.Add("scope " + scope);
        }

        if (report.Since is { } since)
        {
            parts.Add("since " + Time(since));
        }

        return parts.Count == 0 ? string.Empty : " (" + string.Join(", ", parts) + ")";
    }

    private static string Restore(StatsRun run) => run.Hit switch { true => "hit", false => "miss", null => "-" };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant);

    private static string Seconds(double seconds) => seconds.ToString("0.0", Invariant) + "s";

    private static string Num(int value) => value.ToString(Invariant);

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="value"/>: round axis labels.</summary>
    private static double NiceMax(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    private static string Xml(string value) => System.Security.SecurityElement.Escape(value) ?? string.Empty;

    private static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal);

    private static string Truncate(string value, int max)
    {
        var line = value.ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }
}
