namespace LayerCache.Store;

/// <summary>
/// What went wrong with a store, whatever the backend: the one classification callers decide on
/// (see <see cref="StoreErrors.Classify"/>), instead of lists of exception types.
/// </summary>
public enum StoreErrorKind
{
    /// <summary>A blob, tag, entry or upload session is not there (a miss, not a failure).</summary>
    NotFound,

    /// <summary>Content is damaged: a digest or size mismatch, a document that does not parse, a store file that is a link.</summary>
    Corrupt,

    /// <summary>A request the store refused as malformed (a bad name, tag or manifest).</summary>
    Invalid,

    /// <summary>Worth retrying later: a busy lock, a timeout, a reset connection, 429 or 5xx.</summary>
    Transient,

    /// <summary>Not allowed: missing or wrong credentials, no permission on a file or repository.</summary>
    Denied,

    /// <summary>The store cannot do this at all (a registry that refuses deletes, a store without enumeration).</summary>
    Unsupported,
}
