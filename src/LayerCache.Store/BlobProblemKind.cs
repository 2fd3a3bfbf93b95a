namespace LayerCache.Store;

/// <summary>What is wrong with a blob found by <see cref="IVerifiableCacheStore.VerifyAsync"/>.</summary>
public enum BlobProblemKind
{
    /// <summary>Referenced but not in the store.</summary>
    Missing,

    /// <summary>Its content does not hash to its digest (or has the wrong size).</summary>
    Corrupt,

    /// <summary>Hashes right but is not the document its descriptor says (e.g. a manifest that does not parse).</summary>
    Invalid,
}
