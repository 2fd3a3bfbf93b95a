using LayerCache.Store;

namespace LayerCache.Core;

/// <summary>The options every cache workflow shares (restore, build, save, key).</summary>
public sealed record CacheOptions
{
    /// <summary>The build context directory.</summary>
    public required string Context { get; init; }

    /// <summary>The Dockerfile path (already resolved against the context).</summary>
    public required string Dockerfile { get; init; }

    /// <summary>The stage to build, or null for the last one.</summary>
    public string? Target { get; init; }

    /// <summary>
    /// The target platform (<c>--platform</c>, e.g. <c>linux/arm64</c>), or null for the engine's
    /// default. Part of the cache key and of an entry's image identity, so each platform keeps an entry of its own.
    /// </summary>
    public string? Platform { get; init; }

    /// <summary>Build arguments, as passed to docker build.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary>The store (see <see cref="StoreLocation.Resolve"/> for the default).</summary>
    public required StoreLocation Store { get; init; }

    /// <summary>The scope to write (and read first), or null to derive it from the CI or git.</summary>
    public string? Scope { get; init; }

    /// <summary>Scopes to read when the own scope has no usable entry; empty for the default branch's.</summary>
    public IReadOnlyList<string> FallbackScopes { get; init; } = [];

    /// <summary>Entries older than this are not restored, so base-image updates arrive; null for no limit.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Retention applied after a save.</summary>
    public RetentionPolicy Retention { get; init; } = RetentionPolicy.KeepAll;

    /// <summary>Files whose content goes into the cache key (lockfiles).</summary>
    public IReadOnlyList<string> KeyFiles { get; init; } = [];

    /// <summary>Make cache problems fatal instead of a warning and a cold build.</summary>
    public bool Strict { get; init; }

    /// <summary>The docker CLI used for builds.</summary>
    public string DockerCli { get; init; } = "docker";

    /// <summary>Where the progress of a restore's load and a save's export is shown; null for nowhere.</summary>
    public Progress.ProgressReporter? Progress { get; init; }

    /// <summary>The environment (CI variables, DOCKER_HOST, DOCKER_BUILDKIT).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Where base image identities in the key come from (builds: the engine; <c>key</c>: see its option).</summary>
    public Keys.BaseImageResolution BaseImageResolution { get; init; } = Keys.BaseImageResolution.Engine;

    /// <summary><c>build --push</c>: push each tag of the built image when the registry does not already have it.</summary>
    public bool Push { get; init; }

    /// <summary>
    /// Starts the bridge (the store served to the local engine as a registry, so a restore is a pull and
    /// a save a push of new layers only); null keeps the archive transport (<c>docker load</c>/<c>docker save</c>).
    /// </summary>
    public IStoreBridgeHost? Bridge { get; init; }
}
