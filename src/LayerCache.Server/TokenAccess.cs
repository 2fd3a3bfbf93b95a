namespace LayerCache.Server;

/// <summary>What a request needs on a repository.</summary>
internal enum TokenAccess
{
    Read,
    Write,
}
