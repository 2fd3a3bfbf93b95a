namespace LayerCache.Docker;

/// <summary>Credentials the engine uses to reach a registry for a push or pull (sent as X-Registry-Auth).</summary>
public sealed record RegistryCredentials
{
    /// <summary>The user name.</summary>
    public string? Username { get; init; }

    /// <summary>The password or token.</summary>
    public string? Password { get; init; }

    /// <summary>The registry host the credentials are for.</summary>
    public string? ServerAddress { get; init; }

    /// <summary>An identity (refresh) token, instead of a password.</summary>
    public string? IdentityToken { get; init; }

    /// <summary>Redacts secrets: records print all properties by default.</summary>
    public override string ToString() => $"RegistryCredentials {{ Username = {Username}, ServerAddress = {ServerAddress} }}";
}
