namespace LayerCache.Dockerfile;

/// <summary>What a build stage starts from.</summary>
public enum StageBaseKind
{
    /// <summary>An image pulled from a registry.</summary>
    Image,

    /// <summary>An earlier stage of the same Dockerfile.</summary>
    Stage,

    /// <summary>The empty image <c>scratch</c>.</summary>
    Scratch,
}
