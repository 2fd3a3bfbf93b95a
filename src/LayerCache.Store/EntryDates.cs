namespace LayerCache.Store;

/// <summary>
/// The one rule for dates a store claims. A store is untrusted input: an entry dated in the future
/// would pass every <c>--max-age</c>, be restored first and make <c>--keep current</c> delete the
/// legitimate entries, so a creation time beyond a small clock-skew allowance makes an entry invalid,
/// and a last-used time is never believed past "now".
/// </summary>
public static class EntryDates
{
    /// <summary>How far ahead of this machine's clock another writer's clock may be.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>True when <paramref name="created"/> is further in the future than clocks can disagree.</summary>
    public static bool IsInFuture(DateTimeOffset created, DateTimeOffset now) => created > now + ClockSkew;

    /// <summary>
    /// Last-used as retention may believe it: never after <paramref name="now"/> and not before creation.
    /// A time further ahead than <see cref="ClockSkew"/> is a lie and counts for nothing (creation time),
    /// so it cannot keep an entry alive under <c>--keep 7d</c> or first in line under <c>--max-size</c>.
    /// </summary>
    public static DateTimeOffset EffectiveLastUsed(DateTimeOffset lastUsed, DateTimeOffset created, DateTimeOffset now)
    {
        var believed = IsInFuture(lastUsed, now) ? created : lastUsed > now ? now : lastUsed;
        return believed < created ? created : believed;
    }
}
