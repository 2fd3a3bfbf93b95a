using LayerCache.Store;

namespace LayerCache.Core.Scopes;

/// <summary>Where a run reads entries from, in order, and where it may write.</summary>
/// <param name="Write">The run's own scope.</param>
/// <param name="Read">The scopes to restore from, own scope first, then fallbacks.</param>
/// <param name="WriteRefusal">Why this run must not write (e.g. a pull request aimed at the default branch's scope), or null.</param>
/// <param name="Context">The CI context the plan was made from.</param>
public sealed record ScopePlan(CacheScope Write, IReadOnlyList<CacheScope> Read, string? WriteRefusal, CiContext Context)
{
    /// <summary>True when saving into <see cref="Write"/> is allowed.</summary>
    public bool CanWrite => WriteRefusal is null;
}
