namespace LayerCache.Server;

/// <summary>The endpoints of the server (see <see cref="RegistryRoute"/>).</summary>
internal enum RouteKind
{
    NotFound,
    InvalidName,
    Health,
    Metrics,
    Base,
    Blob,
    Upload,
    Manifest,
    Referrers,
    Tags,
}
