namespace LayerCache.Oci;

/// <summary>What an archive entry is, judged from its path before its content is read.</summary>
public enum DockerArchiveEntryKind
{
    /// <summary>A layer tar of the classic layout: <c>&lt;id&gt;/layer.tar</c> or <c>&lt;hex&gt;.tar</c> (skopeo).</summary>
    Layer,

    /// <summary>An image config of the classic layout: <c>&lt;hex&gt;.json</c> at the root.</summary>
    Config,

    /// <summary>A content-addressed blob of the OCI layout form (Docker 25+, OCI archives): <c>blobs/ALG/HEX</c>; a layer, config or manifest.</summary>
    Blob,

    /// <summary>Archive metadata: <c>manifest.json</c>, <c>repositories</c>, <c>index.json</c>, <c>oci-layout</c>, legacy <c>&lt;id&gt;/json</c> and <c>&lt;id&gt;/VERSION</c>.</summary>
    Metadata,

    /// <summary>Anything else.</summary>
    Other,
}
