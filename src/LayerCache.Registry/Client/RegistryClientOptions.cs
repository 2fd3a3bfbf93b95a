using LayerCache.Docker;

namespace LayerCache.Registry.Client;

/// <summary>How a <see cref="RegistryClient"/> reaches one registry.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>The registry host with an optional port, e.g. <c>ghcr.io</c> or <c>127.0.0.1:5000</c>; <c>docker.io</c> for Docker Hub.</summary>
    public required string Registry { get; init; }

    /// <summary>
    /// Allow plain HTTP to a registry that is not on the loopback interface (<c>--insecure-registry</c>).
    /// Loopback registries (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>::1</c>) may always fall back to
    /// plain HTTP, as dockerd allows. HTTPS is tried first either way.
    /// </summary>
    public bool Insecure { get; init; }

    /// <summary>A PEM file of CA certificates to trust for this registry (and its token realm) instead of the system's.</summary>
    public string? CaFile { get; init; }

    /// <summary>Where credentials come from (e.g. <see cref="DockerConfigCredentialProvider"/>); null for anonymous only.</summary>
    public IRegistryCredentialProvider? Credentials { get; init; }

    /// <summary>How many times a failed transient exchange is tried again (so up to this + 1 attempts).</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>The first backoff delay; it doubles per retry, with jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest backoff delay, and the most a <c>Retry-After</c> is honoured.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// The longest one attempt may take for a small exchange (ping, HEAD, a manifest, a token, a tag page),
    /// and until the response headers of a blob transfer.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest a blob transfer may go without a byte moving before it counts as dropped.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The chunk size of a chunked upload (<see cref="BlobUploadOptions.Chunked"/>).</summary>
    public int ChunkSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>The User-Agent sent.</summary>
    public string UserAgent { get; init; } = "layercache";

    /// <summary>Called with a one-line note on each retry (for warnings and logs); never given a secret.</summary>
    public Action<string>? OnRetry { get; init; }
}
