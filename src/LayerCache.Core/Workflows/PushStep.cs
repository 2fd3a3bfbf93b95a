using System.Runtime.InteropServices;
using LayerCache.Core.Reports;
using LayerCache.Docker;
using LayerCache.Oci;
using LayerCache.Registry;
using LayerCache.Registry.Client;

namespace LayerCache.Core.Workflows;

/// <summary>
/// <c>build --push</c> (seed 000's push.sh): each tag of the built image goes to its registry only when
/// the registry does not already serve this image under it. "Already" is decided by the registry API
/// alone: the tag's manifest (for the platform, if it names an index) whose config digest is the engine's
/// image id is this image, so nothing is sent; anything else is pushed by the engine.
/// </summary>
internal static class PushStep
{
    public static async Task<IReadOnlyList<PushReport>> PushAsync(
        IDockerEngine engine,
        IReadOnlyList<string> tags,
        Digest imageId,
        string? platform,
        Func<string, string?> environment,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        var credentials = DockerConfigCredentialProvider.FromEnvironment(environment);
        var target = platform is { Length: > 0 } ? Platform.Parse(platform) : HostPlatform();
        var reports = new List<PushReport>();
        foreach (var tag in tags)
        {
            if (!ImageReference.TryParse(tag, out var reference, out var error))
            {
                reports.Add(new PushReport(tag, "failed", null, error));
                continue;
            }

            try
            {
                if (await RemoteDigestIfSameAsync(reference, imageId, target, credentials, cancellationToken) is { } same)
                {
                    log(UnchangedLine(tag, same));
                    reports.Add(new PushReport(tag, "unchanged", same.Value));
                    continue;
                }
            }
            catch (RegistryException e)
            {
                // The check is an optimisation: when it cannot be made, the engine pushes (and reports its own failure).
                log($"push: could not check {tag} in its registry ({e.Kind}): {e.Message.ReplaceLineEndings(" ")}; pushing");
            }

            try
            {
                var login = await credentials.GetAsync(reference.Registry, cancellationToken);
                var pushed = await engine.PushImageAsync(tag, login, null, cancellationToken);
                log($"push: {tag} pushed ({pushed.Digest})");
                reports.Add(new PushReport(tag, "pushed", pushed.Digest.Value));
            }
            catch (Exception e) when (e is DockerEngineException or DockerEngineUnavailableException or RegistryCredentialsException)
            {
                reports.Add(new PushReport(tag, "failed", null, e.Message.ReplaceLineEndings(" ")));
            }
        }

        return reports;
    }

    /// <summary>
    /// "unchanged" reports for every tag when each tag's registry already serves <paramref name="imageId"/>
    /// (so the image need not even be in the engine), logged as a push would log them; null, and nothing
    /// logged, as soon as one does not or cannot be asked.
    /// </summary>
    public static async Task<IReadOnlyList<PushReport>?> AllUnchangedAsync(
        IReadOnlyList<string> tags,
        Digest imageId,
        string? platform,
        Func<string, string?> environment,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        var credentials = DockerConfigCredentialProvider.FromEnvironment(environment);
        var target = platform is { Length: > 0 } ? Platform.Parse(platform) : HostPlatform();
        var reports = new List<PushReport>();
        var lines = new List<string>();
        foreach (var tag in tags)
        {
            if (!ImageReference.TryParse(tag, out var reference, out _))
            {
                return null;
            }

            try
            {
                if (await RemoteDigestIfSameAsync(reference, imageId, target, credentials, cancellationToken) is not { } same)
                {
                    return null;
                }

                reports.Add(new PushReport(tag, "unchanged", same.Value));
                lines.Add(UnchangedLine(tag, same));
            }
            catch (Exception e) when (e is RegistryException or RegistryCredentialsException or HttpRequestException or IOException or FormatException)
            {
                // Only a sure "already there" skips the load; anything else takes the path that loads and pushes.
                return null;
            }
        }

        if (reports.Count == 0)
        {
            return null;
        }

        lines.ForEach(log);
        return reports;
    }

    private static string UnchangedLine(string tag, Digest digest) => $"push: {tag} unchanged ({digest}): the registry already has this image";

    /// <summary>The tag's manifest digest when it is this image (its config digest is the image id), else null.</summary>
    private static async Task<Digest?> RemoteDigestIfSameAsync(ImageReference reference, Digest imageId, Platform platform, IRegistryCredentialProvider credentials, CancellationToken cancellationToken)
    {
        using var client = new RegistryClient(new RegistryClientOptions { Registry = reference.Registry, Credentials = credentials, MaxRetries = 2 });
        var resolved = await client.ResolveAsync(reference.Repository, reference.Tag ?? ImageReference.DefaultTag, platform, cancellationToken);
        if (resolved is null)
        {
            return null;
        }

        var manifest = await client.GetManifestAsync(reference.Repository, resolved.Manifest.Digest.Value, cancellationToken);
        if (manifest is null || !manifest.IsManifest)
        {
            return null;
        }

        try
        {
            return manifest.AsManifest().Config.Digest == imageId ? (resolved.Index ?? resolved.Manifest).Digest : null;
        }
        catch (OciFormatException)
        {
            return null;
        }
    }

    private static Platform HostPlatform() => RuntimeInformation.OSArchitecture == Architecture.Arm64 ? Platform.LinuxArm64 : Platform.LinuxAmd64;
}
