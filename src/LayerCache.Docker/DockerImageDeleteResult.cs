namespace LayerCache.Docker;

/// <summary>One effect of removing an image: a tag removed, or an image (layer) deleted.</summary>
/// <param name="Untagged">The reference that was untagged, or null.</param>
/// <param name="Deleted">The image id that was deleted, or null.</param>
public sealed record DockerImageDeleteResult(string? Untagged, string? Deleted);
