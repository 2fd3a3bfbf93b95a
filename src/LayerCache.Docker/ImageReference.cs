namespace LayerCache.Docker;

/// <summary>
/// Splits an image reference into repository and tag or digest, as the engine's push and pull
/// endpoints take them separately (a pull without a tag would fetch every tag of the repository).
/// </summary>
internal static class ImageReference
{
    /// <summary>
    /// <c>host:5000/app:1</c> → (<c>host:5000/app</c>, <c>1</c>); <c>app@sha256:…</c> → (<c>app</c>, <c>sha256:…</c>);
    /// <c>app</c> → (<c>app</c>, null).
    /// </summary>
    public static (string Repository, string? TagOrDigest) Split(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return (reference[..at], reference[(at + 1)..]);
        }

        // A colon after the last slash is a tag; one before it belongs to a registry host:port.
        var colon = reference.LastIndexOf(':');
        var slash = reference.LastIndexOf('/');
        return colon > slash ? (reference[..colon], reference[(colon + 1)..]) : (reference, null);
    }

    /// <summary>Escapes each path segment of a reference for use in a URL path, keeping the slashes.</summary>
    public static string EscapePath(string reference) =>
        string.Join('/', reference.Split('/').Select(Uri.EscapeDataString));
}
