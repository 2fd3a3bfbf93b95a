namespace LayerCache.Server.Tests;

/// <summary>
/// The system clock with its wall time moved by <c>skew</c> (elapsed time unchanged): a host whose
/// date is wrong. Ahead by more than the grace window, every file looks old, so only the server's own
/// leases keep blobs that pushes are using.
/// </summary>
public sealed class SkewedClock(TimeSpan skew) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + skew;
}
