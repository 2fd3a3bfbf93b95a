namespace LayerCache.Registry.Client;

/// <summary>How <see cref="RegistryClient.PushBlobAsync"/> uploads a blob the registry lacks.</summary>
public sealed record BlobUploadOptions
{
    /// <summary>The default: one monolithic PUT, no mount.</summary>
    public static BlobUploadOptions Default { get; } = new();

    /// <summary>Upload in PATCH chunks of <see cref="RegistryClientOptions.ChunkSize"/> bytes instead of one PUT.</summary>
    public bool Chunked { get; init; }

    /// <summary>A repository of the same registry that may hold the blob: mounted from there (no bytes move) when it does.</summary>
    public string? MountFrom { get; init; }

    /// <summary>Skip the HEAD that checks whether the registry already has the blob (the caller just checked).</summary>
    public bool SkipExistenceCheck { get; init; }
}
