using System.Xml.Linq;
using LayerCache.Core.Stats;
using LayerCache.Store;

namespace LayerCache.Cli.Tests;

/// <summary><c>layercache stats</c>: the text table and chart, the Markdown with its Mermaid chart, the SVG, and the command's options.</summary>
public sealed class StatsRendererTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 30, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("lc-stats-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RunRecord Cold => new() { Time = T0, Command = "build", Scope = "p/main", Image = "Dockerfile", Builder = "classic", Hit = false, MissReason = "no entry in p/main <yet> & \"so\"", StepsExecuted = 6, Seconds = 40, BytesWritten = 300_000_000, Saved = true };

    private static RunRecord Warm => new() { Time = T0.AddHours(1), Command = "build", Scope = "p/main", Image = "Dockerfile", Builder = "classic", Hit = true, StepsCached = 6, SecondsSaved = 38, Seconds = 2, BytesLoaded = 300_000_000 };

    private static StatsReport Report(params RunRecord[] records) => StatsService.Summarize("dir:/s", true, new RunHistoryContent(records, 0), null, null);

    [Fact]
    public void Text_has_totals_misses_per_image_runs_and_a_chart_whose_bars_follow_the_seconds()
    {
        var text = StatsRenderer.ToText(Report(Cold, Warm));

        Assert.Contains("2 run(s); 2 restore(s), 1 hit, 1 missed: 50% hit; 6 step(s) cached, 6 executed; ~38.0s saved; 300 MB loaded, 300 MB written, 1 entry saved", text, StringComparison.Ordinal);
        Assert.Contains("no entry in p/main", text, StringComparison.Ordinal);
        Assert.Contains("2026-11-22 07:30  build    p/main  miss", text, StringComparison.Ordinal);
        var chart = text[text.IndexOf("seconds per run", StringComparison.Ordinal)..].Split('\n');

        // The cold run took 40 s: a full bar; the warm one took 2 s and the cache saved 38 s.
        Assert.Equal(40, chart[1].Count(c => c == '█'));
        Assert.Equal(2, chart[2].Count(c => c == '█'));
        Assert.Equal(38, chart[2].Count(c => c == '░'));
        Assert.Contains("(+38.0s saved)", chart[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_has_a_mermaid_chart_with_one_value_per_run_and_escaped_cells()
    {
        var markdown = StatsRenderer.ToMarkdown(Report(Cold, Warm));

        Assert.Contains("```mermaid\nxychart-beta\n", markdown, StringComparison.Ordinal);
        Assert.Contains("  x-axis [1, 2]\n", markdown, StringComparison.Ordinal);
        Assert.Contains("  bar [40.0, 2.0]\n", markdown, StringComparison.Ordinal);
        Assert.Contains("  line [0.0, 38.0]\n", markdown, StringComparison.Ordinal);
        Assert.Contains("| 1 | no entry in p/main <yet> & \"so\" |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Svg_is_well_formed_with_a_bar_per_run_and_the_saved_seconds_stacked_on_top()
    {
        var svg = XDocument.Parse(StatsRenderer.ToSvg(Report(Cold, Warm)));
        XNamespace ns = "http://www.w3.org/2000/svg";

        var bars = svg.Descendants(ns + "g").ToList();
        Assert.Equal(2, bars.Count);
        Assert.Single(bars[0].Elements(ns + "rect"));
        var warm = bars[1].Elements(ns + "rect").ToList();
        Assert.Equal(2, warm.Count);
        Assert.Equal("#2da44e", (string?)warm[0].Attribute("fill"));
        var took = double.Parse((string)warm[0].Attribute("height")!, System.Globalization.CultureInfo.InvariantCulture);
        var saved = double.Parse((string)warm[1].Attribute("height")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(38.0 / 2.0, saved / took, 1);
        Assert.Contains("build p/main: miss, 40.0s took", bars[0].Element(ns + "title")!.Value, StringComparison.Ordinal);

        // An empty history is still a valid picture.
        XDocument.Parse(StatsRenderer.ToSvg(Report()));
    }

    [Fact]
    public async Task Stats_command_filters_by_scope_writes_the_svg_and_the_step_summary()
    {
        var store = Path.Combine(_dir, "store");
        Directory.CreateDirectory(store);
        var history = new FileRunHistory(store);
        await history.AppendAsync(Cold, CancellationToken.None);
        await history.AppendAsync(Warm, CancellationToken.None);
        await history.AppendAsync(Warm with { Scope = "p/dev" }, CancellationToken.None);
        var svg = Path.Combine(_dir, "chart.svg");
        var summary = Path.Combine(_dir, "summary.md");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var env = new Dictionary<string, string?> { ["GITHUB_STEP_SUMMARY"] = summary };

        var code = await CliApp.RunAsync(["stats", "--cache", "dir:" + store, "--scope", "p/dev", "--svg", svg], stdout, stderr, n => env.GetValueOrDefault(n), CancellationToken.None);

        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("1 run(s)", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("(scope p/dev)", stdout.ToString(), StringComparison.Ordinal);
        Assert.Single(XDocument.Parse(await File.ReadAllTextAsync(svg)).Descendants(XName.Get("g", "http://www.w3.org/2000/svg")));
        Assert.Contains("```mermaid", await File.ReadAllTextAsync(summary), StringComparison.Ordinal);

        var markdown = await CliRunner.RunAsync("stats", "--cache", "dir:" + store, "--format", "markdown", "--since", "36500d");
        Assert.StartsWith("### layercache stats (since ", markdown.Stdout, StringComparison.Ordinal);
        Assert.Contains("| 3 |", markdown.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--since", "soon")]
    [InlineData("--since", "0d")]
    [InlineData("--format", "yaml")]
    public async Task Bad_options_are_one_line_and_exit_2(string option, string value)
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("stats", "--cache", "dir:" + _dir, option, value);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(value, stderr, StringComparison.Ordinal);
    }
}
