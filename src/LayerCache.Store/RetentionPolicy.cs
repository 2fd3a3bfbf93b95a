using System.Globalization;

namespace LayerCache.Store;

/// <summary>
/// Which entries a prune keeps. The rules combine: an entry survives only if it satisfies every rule
/// that is set (<see cref="KeepCurrent"/> and <see cref="KeepFor"/>), then <see cref="MaxSize"/> drops
/// the least recently used survivors until the blobs they reference fit. With no rule set nothing is
/// dropped and a prune only collects unreferenced blobs and stale temp files. The newest entry of
/// <see cref="ProtectedScope"/> (the scope being written; of its <see cref="ProtectedImage"/> when set)
/// is never dropped by any rule. Entries are told apart by identity, scope and image
/// (<see cref="ImageIdentity"/>): "current" is the newest entry of each. Dates come from the entry blobs;
/// a creation time in the future makes an entry invalid, and last-used is believed only up to "now"
/// (see <see cref="EntryDates"/>).
/// </summary>
public sealed record RetentionPolicy
{
    /// <summary>No rule: keep every entry; prune only collects garbage.</summary>
    public static RetentionPolicy KeepAll { get; } = new();

    /// <summary>Keep only the newest entry (by <see cref="CacheEntry.Created"/>) of each scope and image.</summary>
    public bool KeepCurrent { get; init; }

    /// <summary>Keep only entries whose <see cref="CacheEntry.LastUsed"/> is within this long before "now".</summary>
    public TimeSpan? KeepFor { get; init; }

    /// <summary>Upper bound, in bytes, of the unique blobs the kept entries reference (least recently used dropped first).</summary>
    public long? MaxSize { get; init; }

    /// <summary>The scope being written, whose newest entry is never dropped; null protects nothing.</summary>
    public CacheScope? ProtectedScope { get; init; }

    /// <summary>The image being written in <see cref="ProtectedScope"/>; null protects the newest entry of every image of that scope.</summary>
    public ImageIdentity? ProtectedImage { get; init; }

    /// <summary>True when some rule may drop entries.</summary>
    public bool HasRules => KeepCurrent || KeepFor is not null || MaxSize is not null;

    /// <summary>
    /// Adds a <c>--keep</c> value to this policy: <c>current</c>, or a duration such as <c>7d</c>,
    /// <c>12h</c>, <c>30m</c>, <c>2w</c> (see <see cref="ParseDuration"/>).
    /// </summary>
    /// <exception cref="FormatException">The value is neither; the message quotes it and lists the forms.</exception>
    public RetentionPolicy WithKeep(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (string.Equals(text, "current", StringComparison.OrdinalIgnoreCase))
        {
            return this with { KeepCurrent = true };
        }

        if (!TryParseDuration(text, out var duration))
        {
            throw new FormatException($"invalid --keep value \"{value}\": expected \"current\" or a duration such as 7d, 12h, 30m, 2w");
        }

        return this with { KeepFor = duration };
    }

    /// <summary>Adds a <c>--max-size</c> value to this policy (see <see cref="ParseSize"/>).</summary>
    /// <exception cref="FormatException">The value is not a size.</exception>
    public RetentionPolicy WithMaxSize(string value) => this with { MaxSize = ParseSize(value) };

    /// <summary>
    /// Parses a duration: a positive number (decimals allowed) followed by <c>s</c>, <c>m</c>, <c>h</c>,
    /// <c>d</c> or <c>w</c>: <c>7d</c>, <c>12h</c>, <c>1.5d</c>.
    /// </summary>
    /// <exception cref="FormatException">Not such a duration; the message quotes the input.</exception>
    public static TimeSpan ParseDuration(string value) =>
        TryParseDuration(value, out var duration)
            ? duration
            : throw new FormatException($"invalid duration \"{value}\": expected a positive number and a unit s, m, h, d or w, such as 7d or 12h");

    /// <summary>Parses a duration without throwing; see <see cref="ParseDuration"/>.</summary>
    public static bool TryParseDuration(string? value, out TimeSpan duration)
    {
        duration = default;
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length < 2)
        {
            return false;
        }

        double unit = char.ToLowerInvariant(text[^1]) switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            _ => 0,
        };
        if (unit == 0
            || !double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || number <= 0
            || number * unit > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(number * unit);
        return true;
    }

    /// <summary>
    /// Parses a byte size: a non-negative number (decimals allowed) with an optional unit. Decimal units
    /// <c>B</c>, <c>KB</c>, <c>MB</c>, <c>GB</c>, <c>TB</c> are powers of 1000 and binary units
    /// <c>KiB</c>, <c>MiB</c>, <c>GiB</c>, <c>TiB</c> powers of 1024; <c>K</c>, <c>M</c>, <c>G</c>, <c>T</c>
    /// alone are decimal. Case-insensitive: <c>10GB</c>, <c>500mb</c>, <c>1.5GiB</c>, <c>1048576</c>.
    /// </summary>
    /// <exception cref="FormatException">Not such a size; the message quotes the input.</exception>
    public static long ParseSize(string value) =>
        TryParseSize(value, out var bytes)
            ? bytes
            : throw new FormatException($"invalid size \"{value}\": expected a number and an optional unit such as 10GB, 500MB or 1.5GiB");

    /// <summary>Parses a byte size without throwing; see <see cref="ParseSize"/>.</summary>
    public static bool TryParseSize(string? value, out long bytes)
    {
        bytes = 0;
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var split = text.Length;
        while (split > 0 && char.IsAsciiLetter(text[split - 1]))
        {
            split--;
        }

        double multiplier = text[split..].ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" => 1e3,
            "M" or "MB" => 1e6,
            "G" or "GB" => 1e9,
            "T" or "TB" => 1e12,
            "KIB" => 1L << 10,
            "MIB" => 1L << 20,
            "GIB" => 1L << 30,
            "TIB" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0
            || split == 0
            || !double.TryParse(text.AsSpan(0, split).TrimEnd(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || number * multiplier >= long.MaxValue)
        {
            return false;
        }

        bytes = (long)Math.Round(number * multiplier, MidpointRounding.AwayFromZero);
        return true;
    }
}
