namespace LayerCache.Registry;

/// <summary>
/// What a failed registry operation means to its caller, whatever code or status said it: the one
/// classification callers switch on (a store maps it onto its own error classification one to one).
/// </summary>
public enum RegistryErrorKind
{
    /// <summary>The blob, manifest, tag, upload or repository is not there.</summary>
    NotFound,

    /// <summary>Content arrived that does not match its digest or size (the registry's copy, or the transfer, is bad).</summary>
    Corrupt,

    /// <summary>The request or an answer is malformed: a bad name, digest, manifest, range, or a document over the size bound.</summary>
    Invalid,

    /// <summary>Worth trying again later: 429, 5xx, a dropped connection, a timeout.</summary>
    Transient,

    /// <summary>Authentication failed or the credentials lack the permission.</summary>
    Denied,

    /// <summary>The registry does not do this (deletes disabled, an unsupported media type or API).</summary>
    Unsupported,
}
