namespace LayerCache.Store;

/// <summary>
/// A small, bounded log of past runs (one <see cref="RunRecord"/> per build, restore or save) that a
/// store keeps beside its entries, for <c>layercache stats</c>. It is advisory: losing it loses
/// statistics, never cache content, so its users fail open (a history problem is a warning at most).
/// A store that keeps no history simply has no implementation of this interface.
/// </summary>
public interface IRunHistory
{
    /// <summary>Appends one run, dropping the oldest records beyond the history's bounds.</summary>
    /// <exception cref="StoreException">The history cannot be written (permissions, a damaged store).</exception>
    Task AppendAsync(RunRecord record, CancellationToken cancellationToken);

    /// <summary>Every readable record, oldest first (invalid lines are skipped and counted).</summary>
    /// <exception cref="StoreException">The history cannot be read at all.</exception>
    Task<RunHistoryContent> ReadAsync(CancellationToken cancellationToken);
}
