namespace LayerCache.Registry.Client;

/// <summary>What <see cref="RegistryClient.PushBlobAsync"/> did.</summary>
public enum BlobPushOutcome
{
    /// <summary>The registry had the blob already: nothing was opened or sent.</summary>
    Existed,

    /// <summary>The registry mounted it from another repository: no bytes were sent.</summary>
    Mounted,

    /// <summary>The content was uploaded.</summary>
    Uploaded,
}
