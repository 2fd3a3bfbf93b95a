using System.Globalization;
using LayerCache.Oci;

namespace LayerCache.Core;

/// <summary>Human formats for reports: durations and short digests.</summary>
public static class Durations
{
    /// <summary><c>3d4h</c>, <c>2h5m</c>, <c>12m</c>, <c>40s</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d{(span.Hours > 0 ? $"{span.Hours}h" : string.Empty)}")
            : span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{(span.Minutes > 0 ? $"{span.Minutes}m" : string.Empty)}")
            : span.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds}s");
    }

    /// <summary>The first 12 hex characters of a digest, as docker shows image ids.</summary>
    public static string Short(Digest digest) => digest.Hex[..12];

    /// <summary>Bytes as <c>1.5 GB</c>, <c>320 MB</c>, <c>12 kB</c>, <c>10 B</c> (decimal units, as docker prints sizes).</summary>
    public static string Bytes(long bytes) =>
        bytes >= 1_000_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.0#} GB")
        : bytes >= 1_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB")
        : bytes >= 1_000 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.#} kB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
}
