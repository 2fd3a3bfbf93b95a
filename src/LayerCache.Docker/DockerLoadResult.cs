namespace LayerCache.Docker;

/// <summary>What an image load reported.</summary>
/// <param name="LoadedImages">Tags (<c>Loaded image: app:1</c>) and ids (<c>Loaded image ID: sha256:…</c>) the engine loaded.</param>
public sealed record DockerLoadResult(IReadOnlyList<string> LoadedImages);
