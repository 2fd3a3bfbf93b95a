namespace LayerCache.EndToEnd.Tests;

/// <summary>The docker builder a run uses (DOCKER_BUILDKIT=0 or 1).</summary>
public enum Builder
{
    Classic,
    BuildKit,
}
