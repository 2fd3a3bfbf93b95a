namespace LayerCache.Oci;

/// <summary>
/// A stored layer's bytes match its digest but are not content this tool would ever have stored: a
/// compressed blob (the engine would inflate it), a sparse tar entry (the engine would expand its
/// holes), or a malformed tar header. Such a blob is foreign to the store, so restore treats it like a
/// digest mismatch: the load is aborted, the blob removed, the build runs cold.
/// </summary>
public sealed class LayerContentRefusedException : ContentVerificationException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public LayerContentRefusedException()
        : base("layer content refused")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public LayerContentRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public LayerContentRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a layer blob, naming why it was refused.</summary>
    public LayerContentRefusedException(Digest? layer, string? source, long offset, string reason)
        : base($"layer {source ?? layer?.ToString() ?? "content"} refused at byte {offset}: {reason}")
    {
        Layer = layer;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The refused layer blob's digest, if known.</summary>
    public Digest? Layer { get; }

    /// <summary>Where in the layer the problem was found.</summary>
    public long Offset { get; }

    /// <summary>Why the layer was refused.</summary>
    public string? Reason { get; }
}
