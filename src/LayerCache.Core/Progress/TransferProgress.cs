using System.Globalization;
using System.Text;

namespace LayerCache.Core.Progress;

/// <summary>
/// One transfer's progress: bytes and layers so far, average rate, time left. <see cref="Add"/> is
/// called once per buffer read (not per byte) and only reads the clock, so the hot path stays a
/// counter and a comparison; a line is built at most once per interval. One writer at a time.
/// </summary>
internal sealed class TransferProgress : IDisposable
{
    private readonly string _activity;
    private readonly string _done;
    private readonly long? _totalBytes;
    private readonly int? _totalLayers;
    private readonly Action<string, bool> _show;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _clock;
    private long _started;
    private long _lastShown;
    private bool _finished;

    public TransferProgress(string activity, string done, long? totalBytes, int? totalLayers, Action<string, bool> show, TimeSpan interval, TimeProvider clock)
    {
        _activity = activity;
        _done = done;
        _totalBytes = totalBytes;
        _totalLayers = totalLayers;
        _show = show;
        _interval = interval;
        _clock = clock;
    }

    /// <summary>Bytes moved so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>Layers started so far.</summary>
    public int Layers { get; private set; }

    /// <summary>Shows the line that says a transfer starts, before its first byte moves.</summary>
    public void Begin()
    {
        _started = _lastShown = _clock.GetTimestamp();
        var what = new List<string>();
        if (_totalLayers is { } layers)
        {
            what.Add(Count(layers, "layer"));
        }

        if (_totalBytes is { } bytes)
        {
            what.Add(Durations.Bytes(bytes));
        }

        _show(what.Count > 0 ? $"{_activity} {string.Join(", ", what)}…" : $"{_activity}…", false);
    }

    /// <summary>Counts a layer as started (shown as "layer 2 of 3").</summary>
    public void LayerStarted() => Layers++;

    /// <summary>Counts <paramref name="bytes"/> moved; shows a line when the interval has passed since the last.</summary>
    public void Add(long bytes)
    {
        Bytes += bytes;
        var now = _clock.GetTimestamp();
        if (_clock.GetElapsedTime(_lastShown, now) >= _interval)
        {
            _lastShown = now;
            _show(Line(_clock.GetElapsedTime(_started, now)), false);
        }
    }

    /// <summary>Shows the last line: what moved, in how long, at what rate.</summary>
    public void Complete()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        var elapsed = _clock.GetElapsedTime(_started);
        var text = new StringBuilder(_done).Append(' ').Append(Durations.Bytes(Bytes));
        text.Append(", ").Append(Count(Layers, "layer"));
        text.Append(CultureInfo.InvariantCulture, $" in {elapsed.TotalSeconds:0.0}s");
        if (Rate(elapsed) is { } rate)
        {
            text.Append(" (").Append(Durations.Bytes(rate)).Append("/s)");
        }

        _show(text.ToString(), true);
    }

    /// <summary>A transfer that did not complete (a failure, a cancel) still ends its line.</summary>
    public void Dispose()
    {
        if (!_finished)
        {
            _finished = true;
            _show($"{_activity} stopped after {Durations.Bytes(Bytes)}", true);
        }
    }

    /// <summary>The progress line after <paramref name="elapsed"/>: bytes (of total, percent), layer, rate, time left.</summary>
    internal string Line(TimeSpan elapsed)
    {
        var text = new StringBuilder(_activity).Append(": ").Append(Durations.Bytes(Bytes));
        if (_totalBytes is { } total and > 0)
        {
            text.Append(" of ").Append(Durations.Bytes(total));
            text.Append(CultureInfo.InvariantCulture, $" ({Math.Min(100, Bytes * 100 / total)}%)");
        }

        if (Layers > 0)
        {
            text.Append(", layer ").Append(Layers.ToString(CultureInfo.InvariantCulture));
            // A total that turns out low (an export repeats a layer an image lists twice) is not shown
            // rather than shown wrong.
            if (_totalLayers is { } layers && Layers <= layers)
            {
                text.Append(" of ").Append(layers.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (Rate(elapsed) is { } rate)
        {
            text.Append(", ").Append(Durations.Bytes(rate)).Append("/s");
            if (_totalBytes is { } all && rate > 0)
            {
                var left = TimeSpan.FromSeconds(Math.Max(0, all - Bytes) / (double)rate);
                text.Append(", ").Append(Eta(left)).Append(" left");
            }
        }

        return text.ToString();
    }

    /// <summary>The average rate since the start; null before any time has passed (no division by zero, no "∞ B/s").</summary>
    private long? Rate(TimeSpan elapsed) =>
        elapsed.TotalSeconds >= 0.05 ? (long)(Bytes / elapsed.TotalSeconds) : null;

    private static string Eta(TimeSpan left) =>
        left.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalHours}h{left.Minutes:00}m")
        : left.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalMinutes}m{left.Seconds:00}s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Ceiling(left.TotalSeconds)}s");

    private static string Count(int n, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? string.Empty : "s")}");
}
