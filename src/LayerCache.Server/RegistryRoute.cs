using System.Text.RegularExpressions;

namespace LayerCache.Server;

/// <summary>
/// A request path taken apart: which endpoint, which repository, which digest, tag or upload. Parsed
/// from the raw request target so that no percent-decoding can smuggle a slash or a dot into a name:
/// a <c>%</c> anywhere in the path is refused as NAME_INVALID.
/// </summary>
internal readonly partial record struct RegistryRoute(RouteKind Kind, string Name = "", string Reference = "")
{
    public static RegistryRoute Parse(string rawTarget)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? rawTarget : rawTarget[..query];
        switch (path)
        {
            case "/healthz":
                return new RegistryRoute(RouteKind.Health);
            case "/metrics":
                return new RegistryRoute(RouteKind.Metrics);
            case "/v2" or "/v2/":
                return new RegistryRoute(RouteKind.Base);
        }

        if (!path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            return new RegistryRoute(RouteKind.NotFound);
        }

        if (path.Contains('%', StringComparison.Ordinal))
        {
            return new RegistryRoute(RouteKind.InvalidName);
        }

        foreach (var (kind, pattern) in Patterns)
        {
            var match = pattern.Match(path);
            if (match.Success)
            {
                var name = match.Groups["name"].Value;
                return RepositoryName.IsValid(name)
                    ? new RegistryRoute(kind, name, match.Groups["ref"].Value)
                    : new RegistryRoute(RouteKind.InvalidName, name);
            }
        }

        return new RegistryRoute(RouteKind.NotFound);
    }

    private static readonly (RouteKind Kind, Regex Pattern)[] Patterns =
    [
        (RouteKind.Upload, UploadPattern()),
        (RouteKind.Blob, BlobPattern()),
        (RouteKind.Manifest, ManifestPattern()),
        (RouteKind.Referrers, ReferrersPattern()),
        (RouteKind.Tags, TagsPattern()),
    ];

    [GeneratedRegex("^/v2/(?<name>.+)/blobs/uploads/(?<ref>[^/]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex UploadPattern();

    [GeneratedRegex("^/v2/(?<name>.+)/blobs/(?<ref>[^/]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex BlobPattern();

    [GeneratedRegex("^/v2/(?<name>.+)/manifests/(?<ref>[^/]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ManifestPattern();

    [GeneratedRegex("^/v2/(?<name>.+)/referrers/(?<ref>[^/]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferrersPattern();

    [GeneratedRegex("^/v2/(?<name>.+)/tags/list$", RegexOptions.CultureInvariant)]
    private static partial Regex TagsPattern();
}
