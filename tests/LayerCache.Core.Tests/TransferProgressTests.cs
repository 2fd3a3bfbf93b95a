using LayerCache.Core.Progress;

namespace LayerCache.Core.Tests;

public sealed class TransferProgressTests
{
    private readonly ManualClock _clock = new();
    private readonly List<(string Line, bool Final)> _lines = [];

    private ProgressReporter Reporter(double seconds) => new((line, final) => _lines.Add((line, final)), TimeSpan.FromSeconds(seconds), _clock);

    [Fact]
    public void Start_says_what_will_move_before_the_first_byte()
    {
        using var transfer = Reporter(5).Start("restoring", "restored", 300_000_000, 3);
        Assert.Equal([("restoring 3 layers, 300 MB…", false)], _lines);
    }

    [Fact]
    public void Start_without_totals_still_announces_the_transfer()
    {
        using var transfer = Reporter(5).Start("saving", "saved", null, null);
        Assert.Equal([("saving…", false)], _lines);
    }

    [Fact]
    public void A_line_is_shown_once_per_interval_however_many_buffers_move()
    {
        using var transfer = Reporter(5).Start("restoring", "restored", 300_000_000, 3);
        transfer.LayerStarted();
        for (var i = 0; i < 49; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            transfer.Add(1_000_000);
        }

        Assert.Single(_lines);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        transfer.Add(1_000_000);
        Assert.Equal(2, _lines.Count);
        for (var i = 0; i < 49; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            transfer.Add(1_000_000);
        }

        Assert.Equal(2, _lines.Count);
    }

    [Fact]
    public void The_line_has_bytes_of_total_layer_rate_and_time_left()
    {
        using var transfer = Reporter(5).Start("restoring", "restored", 300_000_000, 3);
        transfer.LayerStarted();
        transfer.LayerStarted();
        _clock.Advance(TimeSpan.FromSeconds(5));
        transfer.Add(100_000_000);

        // 100 MB in 5 s: 20 MB/s, so the 200 MB left take 10 s.
        Assert.Equal(("restoring: 100 MB of 300 MB (33%), layer 2 of 3, 20 MB/s, 10s left", false), _lines[^1]);
    }

    [Fact]
    public void Time_left_over_a_minute_is_shown_in_minutes_and_seconds()
    {
        using var transfer = Reporter(5).Start("restoring", "restored", 5_000_000_000, 10);
        _clock.Advance(TimeSpan.FromSeconds(10));
        transfer.Add(200_000_000);

        // 20 MB/s, 4.8 GB left: 240 s.
        Assert.EndsWith(", 20 MB/s, 4m00s left", _lines[^1].Line, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_total_the_line_has_no_percent_and_no_time_left()
    {
        using var transfer = Reporter(1).Start("saving", "saved", null, null);
        transfer.LayerStarted();
        _clock.Advance(TimeSpan.FromSeconds(2));
        transfer.Add(50_000_000);
        Assert.Equal(("saving: 50 MB, layer 1, 25 MB/s", false), _lines[^1]);
    }

    [Fact]
    public void More_layers_than_announced_drop_the_total_rather_than_show_layer_3_of_2()
    {
        using var transfer = Reporter(1).Start("saving", "saved", null, 2);
        transfer.LayerStarted();
        transfer.LayerStarted();
        transfer.LayerStarted();
        _clock.Advance(TimeSpan.FromSeconds(1));
        transfer.Add(1_000_000);
        Assert.Equal(("saving: 1 MB, layer 3, 1 MB/s", false), _lines[^1]);
    }

    [Fact]
    public void Complete_shows_the_last_line_once_and_dispose_adds_nothing()
    {
        var transfer = Reporter(5).Start("restoring", "restored", 300_000_000, 3);
        transfer.LayerStarted();
        transfer.LayerStarted();
        transfer.LayerStarted();
        _clock.Advance(TimeSpan.FromSeconds(6));
        transfer.Add(300_000_000);
        transfer.Complete();
        transfer.Dispose();
        Assert.Equal(("restored 300 MB, 3 layers in 6.0s (50 MB/s)", true), _lines[^1]);
        Assert.Single(_lines, l => l.Final);
    }

    [Fact]
    public void A_transfer_cut_off_ends_its_line()
    {
        using (var transfer = Reporter(5).Start("restoring", "restored", 300_000_000, 3))
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            transfer.Add(12_000_000);
        }

        Assert.Equal(("restoring stopped after 12 MB", true), _lines[^1]);
    }

    [Fact]
    public void No_rate_before_time_has_passed()
    {
        using var transfer = Reporter(0).Start("restoring", "restored", 300_000_000, 3);
        transfer.Add(1_000);
        Assert.Equal(("restoring: 1 kB of 300 MB (0%)", false), _lines[^1]);
    }

    [Fact]
    public async Task The_stream_counts_every_byte_read_through_it_once()
    {
        using var transfer = Reporter(3600).Start("restoring", "restored", 1_000_000, 1);
        var data = new byte[1_000_000];
        await using var stream = new ProgressStream(new MemoryStream(data), transfer);
        var buffer = new byte[64 * 1024];
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            total += read;
        }

        Assert.Equal(data.Length, total);
        Assert.Equal(data.Length, transfer.Bytes);
    }
}
