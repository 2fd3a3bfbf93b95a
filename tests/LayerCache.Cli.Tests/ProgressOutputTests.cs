namespace LayerCache.Cli.Tests;

/// <summary>How progress reaches stderr: rewritten in place on a terminal, whole lines in a log.</summary>
public sealed class ProgressOutputTests
{
    [Fact]
    public void On_a_terminal_each_line_overwrites_the_last_and_the_final_one_stays()
    {
        using var stderr = new StringWriter();
        var cli = new CliContext(TextWriter.Null, stderr, _ => null, stderrIsTerminal: true);
        Assert.True(cli.Progress().Interval < TimeSpan.FromSeconds(1), "a live line is redrawn often");
        cli.ShowProgress("restoring 1 layer, 1 kB…", final: false);
        cli.ShowProgress("restoring: 500 B of 1 kB (50%)", final: false);
        cli.ShowProgress("restored 1 kB, 1 layer in 0.1s", final: true);

        Assert.Equal(
            "\rlayercache: restoring 1 layer, 1 kB…\u001b[K\rlayercache: restoring: 500 B of 1 kB (50%)\u001b[K\rlayercache: restored 1 kB, 1 layer in 0.1s\u001b[K\n",
            stderr.ToString());
    }

    [Fact]
    public void In_a_log_each_line_is_a_line_every_five_seconds_by_default()
    {
        using var stderr = new StringWriter();
        var cli = new CliContext(TextWriter.Null, stderr, _ => null, stderrIsTerminal: false);
        Assert.Equal(TimeSpan.FromSeconds(5), cli.Progress().Interval);
        cli.ShowProgress("saving…", final: false);
        cli.ShowProgress("saved 1 kB, 1 layer in 0.1s", final: true);

        Assert.Equal("layercache: saving…" + Environment.NewLine + "layercache: saved 1 kB, 1 layer in 0.1s" + Environment.NewLine, stderr.ToString());
    }

    [Theory]
    [InlineData("0.5", 500)]
    [InlineData("30", 30_000)]
    public void The_log_interval_comes_from_the_environment(string value, int milliseconds)
    {
        var cli = new CliContext(TextWriter.Null, TextWriter.Null, name => name == "LAYERCACHE_PROGRESS_INTERVAL" ? value : null, stderrIsTerminal: false);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), cli.Progress().Interval);
    }

    [Fact]
    public void A_dumb_terminal_gets_log_lines()
    {
        using var stderr = new StringWriter();
        var cli = new CliContext(TextWriter.Null, stderr, name => name == "TERM" ? "dumb" : null, stderrIsTerminal: true);
        Assert.Equal(TimeSpan.FromSeconds(5), cli.Progress().Interval);
        cli.ShowProgress("saving…", final: false);
        Assert.Equal("layercache: saving…" + Environment.NewLine, stderr.ToString());
    }
}
