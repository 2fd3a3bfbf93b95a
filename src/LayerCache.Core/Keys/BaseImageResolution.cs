namespace LayerCache.Core.Keys;

/// <summary>Where the identity of each base image in the cache key comes from.</summary>
public enum BaseImageResolution
{
    /// <summary>The engine's image id (pulling what it lacks); unresolved without an engine. What builds use.</summary>
    Engine,

    /// <summary>The engine's image id when the engine answers, else the registry's manifest digest (what <c>layercache key</c> uses).</summary>
    Auto,

    /// <summary>The registry's manifest digest by a HEAD request (an index resolved to the platform's manifest), never asking an engine.</summary>
    Registry,
}
