namespace LayerCache.Docker;

/// <summary>What GET /_ping tells: the engine's API version and platform, read from response headers.</summary>
/// <param name="ApiVersion">The engine's highest API version (the <c>API-Version</c> header), e.g. <c>1.41</c>.</param>
/// <param name="OsType">The engine's OS (<c>linux</c>, <c>windows</c>), if reported.</param>
/// <param name="Experimental">Whether experimental features are on.</param>
/// <param name="BuilderVersion">The default builder (<c>1</c> classic, <c>2</c> BuildKit), if reported.</param>
public sealed record DockerPing(string ApiVersion, string? OsType, bool Experimental, string? BuilderVersion);
