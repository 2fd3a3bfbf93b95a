namespace LayerCache.Oci;

/// <summary>A content digest algorithm registered by the OCI image spec.</summary>
public enum DigestAlgorithm
{
    /// <summary>SHA-256: 64 lower-case hex characters. The canonical algorithm.</summary>
    Sha256,

    /// <summary>SHA-512: 128 lower-case hex characters.</summary>
    Sha512,
}
