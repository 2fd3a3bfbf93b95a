using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Reads entries out of a store's blobs: an entry's index blob into a <see cref="CacheEntry"/>, and
/// the stage details (manifest media type and size, config, platform, total size) a put fills in.
/// </summary>
internal sealed class EntryReader(IBlobStore blobs, Func<Digest, string> describe)
{
    /// <summary>The readable entries among <paramref name="indexed"/>, newest first; unreadable ones are skipped (verify reports them).</summary>
    public async Task<IReadOnlyList<CacheEntry>> LoadAllAsync(IEnumerable<IndexedEntry> indexed, CancellationToken cancellationToken)
    {
        var result = new List<CacheEntry>();
        foreach (var item in indexed)
        {
            if (await TryLoadAsync(item, cancellationToken) is { } entry)
            {
                result.Add(entry);
            }
        }

        result.Sort((a, b) => IndexEditor.CompareNewestFirst(a.Created, a.Id, b.Created, b.Id));
        return result;
    }

    /// <summary>The entry behind an index descriptor, or null when its blob is missing, corrupt or not an entry (fail open; verify reports it).</summary>
    public async Task<CacheEntry?> TryLoadAsync(IndexedEntry item, CancellationToken cancellationToken)
    {
        try
        {
            var entry = await LoadAsync(item.Id, cancellationToken);
            return entry with { RefName = item.RefName, LastUsed = item.LastUsed > entry.Created ? item.LastUsed : entry.Created, Signature = item.Signature };
        }
        catch (Exception e) when (StoreErrors.IsStoreFailure(e))
        {
            return null;
        }
    }

    /// <summary>The stage with the details read from its manifest and config.</summary>
    /// <exception cref="BlobNotFoundException">The manifest, its config or a layer is not in the store.</exception>
    /// <exception cref="StoreCorruptException">The manifest blob is not an image manifest.</exception>
    public async Task<StageImage> FillStageAsync(StageImage stage, CancellationToken cancellationToken)
    {
        var json = await ContentGraph.ReadDocumentAsync(blobs, stage.ManifestDigest, cancellationToken);
        var source = describe(stage.ManifestDigest);
        var mediaType = OciJson.PeekMediaType(json) ?? MediaType.OciImageManifest;
        if (!MediaType.IsManifest(mediaType))
        {
            throw new StoreCorruptException(source, $"stage \"{stage.Name}\": blob is a {mediaType}, not an image manifest", null);
        }

        ImageManifest manifest;
        try
        {
            manifest = OciJson.DeserializeManifest(json, source);
        }
        catch (OciFormatException e)
        {
            throw new StoreCorruptException(source, e.Message, e);
        }

        long total = json.Length;
        foreach (var blob in (IEnumerable<Descriptor>)[manifest.Config, .. manifest.Layers])
        {
            var size = await blobs.TryGetSizeAsync(blob.Digest, cancellationToken)
                ?? throw new BlobNotFoundException(blob.Digest, describe(blob.Digest));
            total += size;
        }

        Platform? platform = null;
        IReadOnlyList<LayerRecord> layers = [];
        try
        {
            var config = OciJson.DeserializeConfig(await ContentGraph.ReadDocumentAsync(blobs, manifest.Config.Digest, cancellationToken));
            platform = config.Platform;
            layers = PairLayers(manifest, config);
        }
        catch (OciFormatException)
        {
            // A config we cannot parse still caches fine; the descriptor just carries no platform.
        }

        return stage with
        {
            ManifestMediaType = mediaType,
            ManifestSize = json.Length,
            ConfigDigest = manifest.Config.Digest,
            Size = total,
            Platform = platform,
            Layers = layers,
        };
    }

    /// <summary>
    /// The manifest's layer i is the config's DiffId i (the image spec's pairing); a manifest and config
    /// that disagree on the count pair nothing, and the stage is then only restorable, not a source of
    /// layers to skip.
    /// </summary>
    private static IReadOnlyList<LayerRecord> PairLayers(ImageManifest manifest, ImageConfig config)
    {
        var diffIds = config.DiffIds;
        if (diffIds.Count != manifest.Layers.Count)
        {
            return [];
        }

        return [.. manifest.Layers.Select((layer, i) => new LayerRecord(diffIds[i], new Descriptor { MediaType = layer.MediaType, Digest = layer.Digest, Size = layer.Size, Annotations = layer.Annotations }))];
    }

    private async Task<CacheEntry> LoadAsync(Digest id, CancellationToken cancellationToken)
    {
        var source = describe(id);
        var json = await ContentGraph.ReadDocumentAsync(blobs, id, cancellationToken);
        return EntryCodec.FromIndex(OciJson.DeserializeIndex(json, source), id, source);
    }
}
