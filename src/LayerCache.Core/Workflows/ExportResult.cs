using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Core.Workflows;

/// <summary>What <see cref="StageImageExporter"/> wrote and skipped (mutable while exporting).</summary>
internal sealed class ExportResult
{
    public List<StageImage> Stages { get; } = [];

    public int StagesExported { get; set; }

    public int StagesReused { get; set; }

    /// <summary>Stages the engine pushed through the bridge instead of exporting them.</summary>
    public int StagesPushed { get; set; }

    public int LayersWritten { get; set; }

    public int LayersSkipped { get; set; }

    public long BytesWritten { get; set; }

    public long LayerBytesWritten { get; set; }

    public long BytesExported { get; set; }

    /// <summary>Blobs the exports streamed into the store that it did not have: digest → size.</summary>
    public Dictionary<Digest, long> NewBlobs { get; } = [];
}
