namespace LayerCache.Docker;

/// <summary>Finds the credentials for a registry, as <c>docker login</c> stored them.</summary>
public interface IRegistryCredentialProvider
{
    /// <summary>
    /// The credentials for <paramref name="registry"/> (a host such as <c>ghcr.io</c> or
    /// <c>127.0.0.1:5000</c>; <c>docker.io</c> for Docker Hub), or null to pull anonymously.
    /// </summary>
    /// <exception cref="RegistryCredentialsException">A configured credential helper failed.</exception>
    Task<RegistryCredentials?> GetAsync(string registry, CancellationToken cancellationToken);
}
