using System.Runtime.InteropServices;
using LayerCache.Docker;
using LayerCache.Oci;
using LayerCache.Registry;
using LayerCache.Registry.Client;

namespace LayerCache.Core.Keys;

/// <summary>
/// Resolves base images to their manifest digests from their registries (seed 001: the digest of each
/// base image asked from the registry API, before any pull and without an engine): a HEAD of the tag, and
/// for a multi-platform index, its manifest for the platform. Credentials come from DOCKER_CONFIG as the
/// docker CLI stores them. A base that cannot be resolved is a warning and stays unresolved (fail open).
/// </summary>
internal sealed class RegistryBaseImageResolver
{
    private readonly Func<string, string?> _environment;
    private readonly Platform _platform;
    private readonly Action<string> _warn;

    public RegistryBaseImageResolver(Func<string, string?> environment, string? platform, Action<string> warn)
    {
        _environment = environment;
        _platform = platform is { Length: > 0 } ? Platform.Parse(platform) : HostPlatform();
        _warn = warn;
    }

    /// <summary>The platform images resolve for: <c>--platform</c>, else this machine's (the engine's default on a CI runner).</summary>
    public Platform Platform => _platform;

    /// <summary>Each image's manifest digest for the platform, or null where it could not be resolved (with a warning).</summary>
    public async Task<IReadOnlyDictionary<string, Digest?>> ResolveAsync(IEnumerable<string> images, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, Digest?>(StringComparer.Ordinal);
        var clients = new Dictionary<string, RegistryClient>(StringComparer.Ordinal);
        IRegistryCredentialProvider? credentials = null;
        try
        {
            foreach (var image in images)
            {
                if (!ImageReference.TryParse(image, out var reference, out var error))
                {
                    _warn($"base image {image} is not a reference that can be resolved from a registry: {error}");
                    result[image] = null;
                    continue;
                }

                credentials ??= DockerConfigCredentialProvider.FromEnvironment(_environment);
                if (!clients.TryGetValue(reference.Registry, out var client))
                {
                    client = new RegistryClient(new RegistryClientOptions
                    {
                        Registry = reference.Registry,
                        Credentials = credentials,
                        MaxRetries = 2,
                        RequestTimeout = TimeSpan.FromSeconds(30),
                    });
                    clients[reference.Registry] = client;
                }

                result[image] = await ResolveOneAsync(client, image, reference, cancellationToken);
            }
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }

        return result;
    }

    private static Platform HostPlatform() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.Arm64 => Platform.LinuxArm64,
        Architecture.Arm => new Platform { Os = "linux", Architecture = "arm", Variant = "v7" },
        Architecture.S390x => new Platform { Os = "linux", Architecture = "s390x" },
        Architecture.Ppc64le => new Platform { Os = "linux", Architecture = "ppc64le" },
        _ => Platform.LinuxAmd64,
    };

    private async Task<Digest?> ResolveOneAsync(RegistryClient client, string image, ImageReference reference, CancellationToken cancellationToken)
    {
        try
        {
            // A digest-pinned reference resolves the same way: an index digest still names every platform's image.
            var tagOrDigest = reference.Digest?.Value ?? reference.Tag ?? ImageReference.DefaultTag;
            var resolved = await client.ResolveAsync(reference.Repository, tagOrDigest, _platform, cancellationToken);
            if (resolved is null)
            {
                _warn($"base image {image} is not in its registry {reference.Registry}");
                return null;
            }

            return resolved.Manifest.Digest;
        }
        catch (RegistryException e)
        {
            _warn($"base image {image} could not be resolved from its registry ({e.Kind}): {e.Message.ReplaceLineEndings(" ")}");
            return null;
        }
    }
}
