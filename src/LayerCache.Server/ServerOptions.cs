namespace LayerCache.Server;

/// <summary>How <see cref="RegistryServer"/> runs: where the store is, where it listens, TLS, tokens and GC.</summary>
public sealed record ServerOptions
{
    /// <summary>The directory store served (the <c>PATH</c> of <c>dir:PATH</c>); created when missing.</summary>
    public required string StorePath { get; init; }

    /// <summary>The address to listen on: <c>HOST:PORT</c>, <c>:PORT</c> (every interface) or <c>[::1]:PORT</c>; port 0 picks a free one.</summary>
    public string Listen { get; init; } = "127.0.0.1:5000";

    /// <summary>PEM certificate for HTTPS (with <see cref="TlsKeyFile"/>); plain HTTP when null.</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>PEM private key of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>The tokens file (see <see cref="TokenFile"/>); every request is anonymous with full access when null.</summary>
    public string? TokensFile { get; init; }

    /// <summary>How often the online GC runs; never when null.</summary>
    public TimeSpan? GcInterval { get; init; }

    /// <summary>How long a blob nothing references yet is kept after it was last uploaded, checked or mounted.</summary>
    public TimeSpan GcGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>An upload session without a request for this long is abandoned and its content purged.</summary>
    public TimeSpan UploadTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Hold the store's write session (a shared lock) while serving, so another process's prune waits
    /// and its opportunistic GC skips rather than collect blobs a client uploaded and has not referenced
    /// yet. An in-process bridge that prunes the same store itself turns it off and stops the server first.
    /// </summary>
    public bool HoldStoreLock { get; init; } = true;

    /// <summary>Open upload sessions allowed at once (each holds a file open); more are answered 429 TOOMANYREQUESTS.</summary>
    public int MaxUploads { get; init; } = 1024;

    /// <summary>
    /// Retention: a cache entry (a registry store's entry tag) not pulled for this long is removed,
    /// except the newest of its scope; never when null. Runs before each GC pass.
    /// </summary>
    public TimeSpan? KeepFor { get; init; }

    /// <summary>Retention: while the store holds more than this many bytes, the least recently pulled entry (not the newest of its scope) is removed; never when null.</summary>
    public long? MaxSize { get; init; }

    /// <summary>Where the one-line request and event logs go; nowhere when null.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>The clock of the GC grace window and upload timeouts (tests pass their own).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
