namespace LayerCache.Docker.Build;

/// <summary>Which docker builder produced a build's output.</summary>
public enum BuilderKind
{
    /// <summary>The classic builder (<c>DOCKER_BUILDKIT=0</c>): <c>Step 3/9 : RUN …</c>, <c> ---> Using cache</c>.</summary>
    Classic,

    /// <summary>BuildKit with <c>--progress=plain</c>: <c>#5 [build 2/4] RUN …</c>, <c>#5 CACHED</c>.</summary>
    BuildKit,
}
