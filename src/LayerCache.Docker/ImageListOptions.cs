namespace LayerCache.Docker;

/// <summary>Options for listing images.</summary>
public sealed record ImageListOptions
{
    /// <summary>Include intermediate images (the classic builder's per-step images).</summary>
    public bool All { get; init; }

    /// <summary>Include digest information.</summary>
    public bool Digests { get; init; }

    /// <summary>Engine filters, e.g. <c>label</c> → [<c>key=value</c>], <c>reference</c> → [<c>app:*</c>], <c>dangling</c> → [<c>true</c>].</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Filters { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}
