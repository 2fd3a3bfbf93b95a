namespace LayerCache.Store;

/// <summary>
/// Which image of a repository an entry caches: the Dockerfile (its path relative to the build
/// context, with <c>/</c> separators), the <c>--target</c> asked for (null: the last stage) and the
/// platform (null: the engine's default). Together with the scope it is an entry's identity: two
/// Dockerfiles or two targets of one branch keep an entry each, and a restore only picks entries of
/// its own image. Stored in the digested entry blob, so index.json cannot lie about it.
/// </summary>
/// <param name="Dockerfile">The Dockerfile path relative to the build context, <c>/</c>-separated.</param>
/// <param name="Target">The build target as given (<c>--target</c>), or null for the last stage.</param>
/// <param name="Platform">The target platform as given (<c>--platform</c>), or null for the engine's default.</param>
public sealed record ImageIdentity(string Dockerfile, string? Target, string? Platform)
{
    /// <summary>
    /// <c>Dockerfile</c> at the context root, last stage, engine platform: also the identity of
    /// entries written before identities existed (the common case, so an upgrade stays warm).
    /// </summary>
    public static ImageIdentity Default { get; } = new("Dockerfile", null, null);

    /// <summary>The identity of a build: <paramref name="dockerfile"/> is made relative to <paramref name="context"/>.</summary>
    /// <param name="context">The build context directory.</param>
    /// <param name="dockerfile">The Dockerfile path (absolute, or relative to the working directory).</param>
    /// <param name="target">The <c>--target</c> option, or null.</param>
    /// <param name="platform">The <c>--platform</c> option, or null.</param>
    public static ImageIdentity ForBuild(string context, string dockerfile, string? target, string? platform)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(dockerfile);
        var relative = Path.GetRelativePath(Path.GetFullPath(context), Path.GetFullPath(dockerfile)).Replace(Path.DirectorySeparatorChar, '/');
        return new ImageIdentity(relative, string.IsNullOrEmpty(target) ? null : target, string.IsNullOrEmpty(platform) ? null : platform);
    }

    /// <summary>Compact form for tables and reasons: <c>Dockerfile</c>, <c>Dockerfile.worker:worker</c>, <c>Dockerfile@linux/arm64</c>.</summary>
    public override string ToString() =>
        Dockerfile + (Target is null ? string.Empty : ":" + Target) + (Platform is null ? string.Empty : "@" + Platform);
}
