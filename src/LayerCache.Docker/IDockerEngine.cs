namespace LayerCache.Docker;

/// <summary>
/// The Docker engine operations layercache needs: identity, image metadata, and moving images in
/// and out of the engine (save/load as streamed tar archives, push/pull through a registry).
/// Engine errors surface as <see cref="DockerEngineException"/>; an unreachable engine as
/// <see cref="DockerEngineUnavailableException"/>.
/// </summary>
public interface IDockerEngine
{
    /// <summary>The endpoint this client talks to.</summary>
    DockerEndpoint Endpoint { get; }

    /// <summary>Checks the engine answers and reads its API version (GET /_ping).</summary>
    Task<DockerPing> PingAsync(CancellationToken cancellationToken);

    /// <summary>The API version used for requests: the lower of ours and the engine's, negotiated once.</summary>
    Task<string> GetApiVersionAsync(CancellationToken cancellationToken);

    /// <summary>The engine's version report.</summary>
    Task<DockerVersion> VersionAsync(CancellationToken cancellationToken);

    /// <summary>The engine's system information.</summary>
    Task<DockerSystemInfo> InfoAsync(CancellationToken cancellationToken);

    /// <summary>Describes an image by name, tag, id or digest reference; null when the engine has no such image.</summary>
    Task<DockerImage?> InspectImageAsync(string image, CancellationToken cancellationToken);

    /// <summary>Lists images; <see cref="ImageListOptions.All"/> includes the classic builder's intermediate images.</summary>
    Task<IReadOnlyList<DockerImageSummary>> ListImagesAsync(ImageListOptions? options, CancellationToken cancellationToken);

    /// <summary>The history of an image, newest step first.</summary>
    Task<IReadOnlyList<DockerImageHistoryEntry>> ImageHistoryAsync(string image, CancellationToken cancellationToken);

    /// <summary>Tags <paramref name="source"/> as <paramref name="target"/> (<c>repo[:tag]</c>, tag defaults to latest).</summary>
    Task TagImageAsync(string source, string target, CancellationToken cancellationToken);

    /// <summary>Removes an image or tag; returns what was untagged and deleted.</summary>
    Task<IReadOnlyList<DockerImageDeleteResult>> RemoveImageAsync(string image, bool force, CancellationToken cancellationToken);

    /// <summary>
    /// Exports images as one docker-archive tar (GET /images/get). The returned stream reads the body as
    /// the engine produces it; the caller must dispose it to release the connection.
    /// </summary>
    Task<Stream> SaveImagesAsync(IEnumerable<string> names, CancellationToken cancellationToken);

    /// <summary>Imports a docker-archive tar, streamed from <paramref name="archive"/> (POST /images/load); the stream is read to its end, not disposed.</summary>
    Task<DockerLoadResult> LoadImagesAsync(Stream archive, IProgress<JsonMessage>? progress, CancellationToken cancellationToken);

    /// <summary>Pushes <c>repo:tag</c> to its registry; returns the manifest digest the registry reported.</summary>
    Task<DockerPushResult> PushImageAsync(string reference, RegistryCredentials? credentials, IProgress<JsonMessage>? progress, CancellationToken cancellationToken);

    /// <summary>Pulls <c>repo[:tag]</c> or <c>repo@digest</c> (tag defaults to latest).</summary>
    Task<DockerPullResult> PullImageAsync(string reference, RegistryCredentials? credentials, IProgress<JsonMessage>? progress, CancellationToken cancellationToken);
}
