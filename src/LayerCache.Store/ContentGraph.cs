using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Walks what descriptors reference: an index lists manifests, a manifest its config and layers.
/// Documents are read once (verified) and their children cached; blobs that cannot be read or parsed
/// are recorded in <see cref="Problems"/> and treated as leaves, so a walk always completes.
/// </summary>
internal sealed class ContentGraph
{
    /// <summary>Registries cap manifests at 4 MiB; an entry index is far smaller.</summary>
    public const int MaxDocumentSize = DocumentReader.MaxSize;

    private readonly IBlobStore _blobs;
    private readonly Dictionary<Digest, IReadOnlyList<Descriptor>> _children = [];

    public ContentGraph(IBlobStore blobs) => _blobs = blobs;

    /// <summary>The blobs walked.</summary>
    public IBlobStore Blobs => _blobs;

    /// <summary>Documents that could not be read or parsed: digest → (kind, one-line detail).</summary>
    public Dictionary<Digest, (BlobProblemKind Kind, string Detail)> Problems { get; } = [];

    /// <summary>Every descriptor reachable from <paramref name="root"/>, itself included, by digest.</summary>
    public async Task<Dictionary<Digest, Descriptor>> ClosureAsync(Descriptor root, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<Digest, Descriptor>();
        var pending = new Stack<Descriptor>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var descriptor = pending.Pop();
            if (!seen.TryAdd(descriptor.Digest, descriptor))
            {
                continue;
            }

            foreach (var child in await GetChildrenAsync(descriptor, cancellationToken))
            {
                pending.Push(child);
            }
        }

        return seen;
    }

    /// <summary>
    /// True when every blob <paramref name="root"/> reaches is present with its declared size and every
    /// document in it parses; <paramref name="present"/> remembers sizes across calls.
    /// </summary>
    public async Task<bool> IsCompleteAsync(Descriptor root, Dictionary<Digest, long?> present, CancellationToken cancellationToken)
    {
        foreach (var (digest, descriptor) in await ClosureAsync(root, cancellationToken))
        {
            if (Problems.ContainsKey(digest))
            {
                return false;
            }

            if (!present.TryGetValue(digest, out var size))
            {
                size = await _blobs.TryGetSizeAsync(digest, cancellationToken);
                present[digest] = size;
            }

            // A size the descriptor does not state could never be restored (the stream would be cut or overrun).
            if (size != descriptor.Size)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads a whole small blob (verified) into memory, through the one bounded <see cref="DocumentReader"/>.</summary>
    /// <exception cref="StoreCorruptException">The blob is larger than <see cref="MaxDocumentSize"/>.</exception>
    public static async Task<byte[]> ReadDocumentAsync(IBlobStore blobs, Digest digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        await using var stream = await blobs.OpenReadAsync(digest, cancellationToken);
        try
        {
            return await DocumentReader.ReadAsync(stream, $"blob {digest}", cancellationToken);
        }
        catch (OciFormatException e)
        {
            throw new StoreCorruptException(e.Message, e);
        }
    }

    private async Task<IReadOnlyList<Descriptor>> GetChildrenAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        var isIndex = MediaType.IsIndex(descriptor.MediaType);
        if (!isIndex && !MediaType.IsManifest(descriptor.MediaType))
        {
            return [];
        }

        if (_children.TryGetValue(descriptor.Digest, out var cached))
        {
            return cached;
        }

        IReadOnlyList<Descriptor> children = [];
        try
        {
            var json = await ReadDocumentAsync(_blobs, descriptor.Digest, cancellationToken);
            if (isIndex)
            {
                children = OciJson.DeserializeIndex(json, descriptor.Digest.Value).Manifests;
            }
            else
            {
                var manifest = OciJson.DeserializeManifest(json, descriptor.Digest.Value);
                children = [manifest.Config, .. manifest.Layers];
            }
        }
        catch (BlobNotFoundException e)
        {
            Problems[descriptor.Digest] = (BlobProblemKind.Missing, e.Message);
        }
        catch (ContentVerificationException e)
        {
            Problems[descriptor.Digest] = (BlobProblemKind.Corrupt, e.Message);
        }
        catch (Exception e) when (e is OciFormatException or StoreCorruptException)
        {
            Problems[descriptor.Digest] = (BlobProblemKind.Invalid, e.Message);
        }

        _children[descriptor.Digest] = children;
        return children;
    }
}
