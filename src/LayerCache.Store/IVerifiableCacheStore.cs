namespace LayerCache.Store;

/// <summary>Optional: a full check of the store's content (<see cref="StoreCapabilities.Verify"/>).</summary>
public interface IVerifiableCacheStore : ICacheStore
{
    /// <summary>
    /// Re-hashes every blob and checks that everything the entries reference is present and parses.
    /// Reports each bad or missing blob with the entries that reference it.
    /// </summary>
    Task<VerifyReport> VerifyAsync(CancellationToken cancellationToken);
}
