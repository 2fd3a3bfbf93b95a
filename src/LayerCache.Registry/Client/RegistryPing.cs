namespace LayerCache.Registry.Client;

/// <summary>What <c>GET /v2/</c> said.</summary>
/// <param name="BaseUri">The base address in use (its scheme says whether TLS is used).</param>
/// <param name="ApiVersion">The <c>Docker-Distribution-API-Version</c> header, if sent.</param>
/// <param name="Challenges">The authentication challenges of an unauthenticated ping (empty for an open registry).</param>
public sealed record RegistryPing(Uri BaseUri, string? ApiVersion, IReadOnlyList<AuthChallenge> Challenges);
