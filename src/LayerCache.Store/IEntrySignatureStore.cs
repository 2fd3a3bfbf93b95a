using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>Optional: keeps entry signatures (see <see cref="EntrySigner"/>) beside the entries (<see cref="StoreCapabilities.SignEntries"/>).</summary>
public interface IEntrySignatureStore : ICacheStore
{
    /// <summary>
    /// Records an entry's signature; the signature is bound to the entry id, so it needs no protection
    /// of its own. False when the entry is gone.
    /// </summary>
    Task<bool> SignEntryAsync(Digest entryId, string signature, CancellationToken cancellationToken);
}
