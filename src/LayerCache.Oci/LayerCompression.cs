namespace LayerCache.Oci;

/// <summary>How a layer blob is compressed, as told by its media type.</summary>
public enum LayerCompression
{
    /// <summary>A plain tar: the blob digest is the DiffId.</summary>
    None,

    /// <summary>gzip-compressed tar.</summary>
    Gzip,

    /// <summary>zstd-compressed tar.</summary>
    Zstd,
}
