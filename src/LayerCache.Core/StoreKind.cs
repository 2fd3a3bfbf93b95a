namespace LayerCache.Core;

/// <summary>The kinds of store a <see cref="StoreLocation"/> can name.</summary>
public enum StoreKind
{
    /// <summary>A local directory holding an OCI Image Layout (<c>dir:PATH</c>).</summary>
    Directory,

    /// <summary>A repository of an OCI registry (<c>registry://HOST[:PORT]/REPO</c>).</summary>
    Registry,
}
