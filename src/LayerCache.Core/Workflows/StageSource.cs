using LayerCache.Docker;

namespace LayerCache.Core.Workflows;

/// <summary>A stage and the engine image that is its result.</summary>
internal sealed record StageSource(string Stage, DockerImage Image);
