namespace LayerCache.Core.Reports;

/// <summary>One stage image put back into the engine by a restore.</summary>
public sealed record RestoredStage(string Stage, string Image, int LayersLoaded, int LayersSkipped, long BytesLoaded);
