using LayerCache.Docker;

namespace LayerCache.Core;

/// <summary>
/// The credentials of a registry cache store when <c>LAYERCACHE_TOKEN</c> is set: the token as the password
/// (user <c>layercache</c>), which <c>layercache serve</c> accepts as a Basic password and registries that
/// take access tokens as passwords (GHCR, GitLab, Artifactory) accept too. The token is meant for the cache
/// store alone, so it does not reach <c>docker login</c>'s credentials for base images or <c>--push</c>.
/// </summary>
public sealed class CacheTokenCredentialProvider : IRegistryCredentialProvider
{
    /// <summary>The user name sent with the token; the server ignores it.</summary>
    public const string UserName = "layercache";

    private readonly string _token;

    /// <summary>Sends <paramref name="token"/> (surrounding whitespace trimmed, as a file or a CI variable may add it).</summary>
    public CacheTokenCredentialProvider(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _token = token.Trim();
    }

    /// <summary>The token provider when <c>LAYERCACHE_TOKEN</c> is set, else <c>docker login</c>'s credentials.</summary>
    public static IRegistryCredentialProvider FromEnvironment(Func<string, string?> environment) =>
        environment("LAYERCACHE_TOKEN") is { } token && !string.IsNullOrWhiteSpace(token)
            ? new CacheTokenCredentialProvider(token)
            : DockerConfigCredentialProvider.FromEnvironment(environment);

    /// <inheritdoc/>
    public Task<RegistryCredentials?> GetAsync(string registry, CancellationToken cancellationToken) =>
        Task.FromResult<RegistryCredentials?>(new RegistryCredentials { Username = UserName, Password = _token, ServerAddress = registry });
}
