namespace LayerCache.Registry.Client;

/// <summary>What a registry holds of an upload session: the location to continue at and the bytes it has.</summary>
/// <param name="Location">The session's next location (a registry may carry its state in it).</param>
/// <param name="Offset">How many bytes of the blob the registry holds.</param>
public sealed record UploadStatus(Uri Location, long Offset);
