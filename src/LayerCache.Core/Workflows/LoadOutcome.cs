using LayerCache.Core.Reports;

namespace LayerCache.Core.Workflows;

/// <summary>What <see cref="StageImageLoader"/> put into the engine (mutable while loading).</summary>
internal sealed class LoadOutcome
{
    public List<RestoredStage> Stages { get; } = [];

    public List<string> CacheFrom { get; } = [];

    public int LayersLoaded { get; set; }

    public int LayersSkipped { get; set; }

    public long BytesLoaded { get; set; }

    /// <summary>DiffIds of the stage images the engine pulled through the bridge: it knows their digests in the store, so it can push images built on them sending only new layers.</summary>
    public HashSet<Oci.Digest> PulledLayers { get; } = [];
}
