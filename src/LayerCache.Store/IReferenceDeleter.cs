namespace LayerCache.Store;

/// <summary>Optional: removes tags (retention of a registry store deletes its cache tags this way).</summary>
public interface IReferenceDeleter
{
    /// <summary>Removes <paramref name="tag"/>; false when it was not there.</summary>
    Task<bool> UntagAsync(string tag, CancellationToken cancellationToken);
}
