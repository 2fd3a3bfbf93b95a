using System.IO.Compression;
using LayerCache.Docker;
using LayerCache.Oci;

namespace LayerCache.Testing;

/// <summary>
/// An in-memory fake of our own <see cref="IDockerEngine"/> (not of dockerd's API), so the restore and
/// save workflows get tests that run in milliseconds beside the end-to-end ones against a private
/// dockerd. It keeps what dockerd's layer and image stores keep, and checks what dockerd checks:
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="LoadImagesAsync"/> parses the archive with <see cref="DockerArchiveReader"/> (a
/// broken or truncated upload registers nothing); per image, in manifest order, it registers the layers
/// whose ChainID it lacks from the archive's layer files, and, like dockerd, opens no file for a ChainID it
/// has. A layer file is hashed (inflated first if gzip, as dockerd does) and must be the config's DiffId,
/// else the load fails with dockerd's message; a missing file for a missing ChainID fails too. An image
/// is registered (and tagged) only when all its layers are: a failure leaves the earlier images loaded,
/// as dockerd does.</item>
/// <item><see cref="SaveImagesAsync"/> writes a <c>docker save</c> archive (classic layout, as dockerd
/// 20.10 writes) with <see cref="DockerArchiveWriter"/>, every layer of each image.</item>
/// <item>Images are named by id (the config digest, full or as a unique hex prefix) or <c>repo:tag</c>.</item>
/// </list>
/// Layer contents are held in memory: meant for small test images. Registry operations (push, pull)
/// are not part of this fake and throw <see cref="NotSupportedException"/>.
/// </remarks>
public sealed class InMemoryDockerEngine : IDockerEngine
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Digest, Layer> _layers = [];
    private readonly Dictionary<Digest, Image> _images = [];
    private readonly Dictionary<string, Digest> _tags = new(StringComparer.Ordinal);
    private readonly List<DiffId> _received = [];
    private int _compressedReceived;
    private int _loads;

    /// <inheritdoc/>
    public DockerEndpoint Endpoint { get; } = DockerEndpoint.Parse("unix:///nonexistent/in-memory-engine.sock");

    /// <summary>Every layer whose content a load registered, in order (a layer the engine had is never here).</summary>
    public IReadOnlyList<DiffId> LayersReceived
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Layer files that arrived gzip-compressed (dockerd inflates them; layercache never sends them).</summary>
    public int CompressedLayersReceived => Volatile.Read(ref _compressedReceived);

    /// <summary>How many <see cref="LoadImagesAsync"/> calls completed.</summary>
    public int Loads => Volatile.Read(ref _loads);

    /// <summary>ChainIDs of every layer in the layer store.</summary>
    public IReadOnlyCollection<Digest> ChainIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _layers.Keys];
            }
        }
    }

    /// <summary>The DiffIds of an image's layers, bottom first.</summary>
    /// <exception cref="ArgumentException">No such image.</exception>
    public IReadOnlyList<DiffId> Layers(string image)
    {
        lock (_lock)
        {
            return Resolve(image)?.Config.DiffIds ?? throw new ArgumentException($"no image {image}", nameof(image));
        }
    }

    /// <summary>
    /// Creates an image as a build would: one layer per tar in <paramref name="layerTars"/> on top of
    /// <paramref name="parent"/>'s layers, a history entry per layer, tagged <paramref name="tag"/>.
    /// </summary>
    /// <returns>The image id.</returns>
    public Digest CreateImage(string tag, IReadOnlyList<byte[]> layerTars, string? parent = null, IReadOnlyList<string>? env = null)
    {
        ArgumentNullException.ThrowIfNull(layerTars);
        lock (_lock)
        {
            var baseImage = parent is null ? null : Resolve(parent) ?? throw new ArgumentException($"no image {parent}", nameof(parent));
            var diffIds = new List<DiffId>(baseImage?.Config.DiffIds ?? []);
            var history = new List<HistoryEntry>(baseImage?.Config.History ?? []);
            var chain = diffIds.Count == 0 ? (ChainId?)null : ChainId.Compute(diffIds);
            foreach (var tar in layerTars)
            {
                var diffId = DiffId.FromDigest(Digest.Compute(tar));
                chain = ChainId.Next(chain, diffId);
                _layers.TryAdd(chain.Value.Digest, new Layer(diffId, tar));
                diffIds.Add(diffId);
                history.Add(new HistoryEntry { Created = DateTimeOffset.UnixEpoch, CreatedBy = $"/bin/sh -c #(nop) layer {diffIds.Count} of {tag}" });
            }

            var config = new ImageConfig
            {
                Created = DateTimeOffset.UnixEpoch,
                Architecture = "amd64",
                Os = "linux",
                Config = new ContainerConfig { Env = env ?? ["PATH=/bin"], Cmd = ["/bin/sh"] },
                RootFs = new RootFs { DiffIds = diffIds },
                History = history,
            };
            var document = OciJson.SerializeWithDigest(config, MediaType.DockerConfig);
            var image = new Image(document.Digest, document.Content.ToArray(), config);
            _images.TryAdd(image.Id, image);
            _tags[NormalizeTag(tag)] = image.Id;
            return image.Id;
        }
    }

    /// <inheritdoc/>
    public Task<DockerPing> PingAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new DockerPing("1.41", "linux", false, "1"));

    /// <inheritdoc/>
    public Task<string> GetApiVersionAsync(CancellationToken cancellationToken) => Task.FromResult("1.41");

    /// <inheritdoc/>
    public Task<DockerVersion> VersionAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new DockerVersion { Version = "20.10.0-in-memory", ApiVersion = "1.41", Os = "linux", Arch = "amd64" });

    /// <inheritdoc/>
    public Task<DockerSystemInfo> InfoAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(new DockerSystemInfo { Name = "in-memory", ServerVersion = "20.10.0-in-memory", Images = _images.Count, OsType = "linux", Architecture = "x86_64" });
        }
    }

    /// <inheritdoc/>
    public Task<DockerImage?> InspectImageAsync(string image, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(Resolve(image) is { } found ? Describe(found) : null);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<DockerImageSummary>> ListImagesAsync(ImageListOptions? options, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<DockerImageSummary> list = [.. _images.Values.OrderBy(i => i.Id).Select(i => new DockerImageSummary
            {
                Id = i.Id,
                RepoTags = TagsOf(i.Id),
                Created = i.Config.Created ?? DateTimeOffset.UnixEpoch,
                Size = SizeOf(i),
            })];
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<DockerImageHistoryEntry>> ImageHistoryAsync(string image, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var found = Resolve(image) ?? throw NoSuchImage(image);
            IReadOnlyList<DockerImageHistoryEntry> history = [.. (found.Config.History ?? []).Reverse().Select(h => new DockerImageHistoryEntry
            {
                Created = h.Created ?? DateTimeOffset.UnixEpoch,
                CreatedBy = h.CreatedBy ?? string.Empty,
                Comment = h.Comment ?? string.Empty,
            })];
            return Task.FromResult(history);
        }
    }

    /// <inheritdoc/>
    public Task TagImageAsync(string source, string target, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var found = Resolve(source) ?? throw NoSuchImage(source);
            _tags[NormalizeTag(target)] = found.Id;
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<DockerImageDeleteResult>> RemoveImageAsync(string image, bool force, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var found = Resolve(image) ?? throw NoSuchImage(image);
            var results = new List<DockerImageDeleteResult>();
            if (!LooksLikeId(image) && _tags.Remove(NormalizeTag(image)))
            {
                results.Add(new DockerImageDeleteResult(NormalizeTag(image), null));
                if (TagsOf(found.Id).Count > 0)
                {
                    return Task.FromResult<IReadOnlyList<DockerImageDeleteResult>>(results);
                }
            }
            else
            {
                foreach (var tag in TagsOf(found.Id))
                {
                    if (!force && TagsOf(found.Id).Count > 1)
                    {
                        throw new DockerEngineException(System.Net.HttpStatusCode.Conflict, $"conflict: unable to delete {found.Id.Hex[..12]} (must be forced) - image is referenced in multiple repositories", "remove image");
                    }

                    _tags.Remove(tag);
                    results.Add(new DockerImageDeleteResult(tag, null));
                }
            }

            _images.Remove(found.Id);
            results.Add(new DockerImageDeleteResult(null, found.Id.Value));

            // Layers no image uses any more go, as dockerd releases them.
            var used = _images.Values.SelectMany(i => ChainId.ComputeAll(i.Config.DiffIds)).Select(c => c.Digest).ToHashSet();
            foreach (var chainId in _layers.Keys.Where(c => !used.Contains(c)).ToList())
            {
                _layers.Remove(chainId);
            }

            return Task.FromResult<IReadOnlyList<DockerImageDeleteResult>>(results);
        }
    }

    /// <inheritdoc/>
    public async Task<Stream> SaveImagesAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        List<(Image Image, IReadOnlyList<byte[]> Layers, IReadOnlyList<ImageReference> Tags)> toSave = [];
        lock (_lock)
        {
            foreach (var name in names)
            {
                var image = Resolve(name) ?? throw NoSuchImage(name);
                var chainIds = ChainId.ComputeAll(image.Config.DiffIds);
                var layers = chainIds.Select(c => _layers[c.Digest].Content).ToList();
                IReadOnlyList<ImageReference> tags = LooksLikeId(name) ? [] : [ImageReference.Parse(NormalizeTag(name))];
                toSave.Add((image, layers, tags));
            }
        }

        var archive = new MemoryStream();
        await using (var writer = new DockerArchiveWriter(archive, leaveOpen: true))
        {
            foreach (var (image, layers, tags) in toSave)
            {
                await writer.WriteConfigAsync(image.ConfigBytes, cancellationToken);
                for (var i = 0; i < layers.Count; i++)
                {
                    await writer.WriteLayerAsync(image.Config.DiffIds[i], new MemoryStream(layers[i], writable: false), layers[i].Length, cancellationToken);
                }

                writer.AddImage(image.Id, image.Config.DiffIds, tags);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        archive.Position = 0;
        return archive;
    }

    /// <inheritdoc/>
    public async Task<DockerLoadResult> LoadImagesAsync(Stream archive, IProgress<JsonMessage>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var sink = new LayerFileSink();
        DockerArchiveContents contents;
        try
        {
            contents = await DockerArchiveReader.ReadAsync(archive, sink, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // dockerd discards an upload it could not read whole: nothing is registered.
            throw new DockerEngineException(System.Net.HttpStatusCode.InternalServerError, "unexpected EOF: " + e.Message, "load images");
        }

        var loaded = new List<string>();
        foreach (var image in contents.GetImages())
        {
            lock (_lock)
            {
                if (image.Config.DiffIds.Count != image.Layers.Count)
                {
                    throw new DockerEngineException(System.Net.HttpStatusCode.InternalServerError, "invalid manifest, layers length mismatch", "load images");
                }

                // Layers first, as dockerd registers them (into a scratch set: the image fails as a whole here).
                var added = new Dictionary<Digest, Layer>();
                var chainIds = ChainId.ComputeAll(image.Config.DiffIds);
                for (var i = 0; i < image.Layers.Count; i++)
                {
                    var chainId = chainIds[i].Digest;
                    if (_layers.ContainsKey(chainId) || added.ContainsKey(chainId))
                    {
                        continue; // dockerd opens no file for a ChainID it has.
                    }

                    var file = image.Layers[i];
                    if (!file.IsPresent || !sink.Files.TryGetValue(file.ResolvedPath, out var received))
                    {
                        throw new DockerEngineException(System.Net.HttpStatusCode.InternalServerError, $"open /var/lib/docker/tmp/docker-import/{file.Path}: no such file or directory", "load images");
                    }

                    if (received.DiffId != image.Config.DiffIds[i])
                    {
                        throw new DockerEngineException(System.Net.HttpStatusCode.InternalServerError, $"invalid diffID for layer {i}: expected {image.Config.DiffIds[i]}, got {received.DiffId}", "load images");
                    }

                    added[chainId] = new Layer(received.DiffId, received.Content);
                }

                foreach (var (chainId, layer) in added)
                {
                    _layers[chainId] = layer;
                    _received.Add(layer.DiffId);
                    if (sink.Compressed.Contains(layer.DiffId))
                    {
                        Interlocked.Increment(ref _compressedReceived);
                    }
                }

                var registered = new Image(image.ConfigDigest, image.ConfigContent.ToArray(), image.Config);
                _images.TryAdd(registered.Id, registered);
                foreach (var tag in image.RepoTags)
                {
                    _tags[NormalizeTag(tag)] = registered.Id;
                    loaded.Add("Loaded image: " + tag);
                }

                if (image.RepoTags.Count == 0)
                {
                    loaded.Add("Loaded image ID: " + registered.Id);
                }
            }
        }

        Interlocked.Increment(ref _loads);
        return new DockerLoadResult(loaded);
    }

    /// <inheritdoc/>
    public Task<DockerPushResult> PushImageAsync(string reference, RegistryCredentials? credentials, IProgress<JsonMessage>? progress, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the in-memory engine has no registry access; push tests use a private dockerd and registry");

    /// <inheritdoc/>
    public Task<DockerPullResult> PullImageAsync(string reference, RegistryCredentials? credentials, IProgress<JsonMessage>? progress, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the in-memory engine has no registry access; pull tests use a private dockerd and registry");

    private static DockerEngineException NoSuchImage(string image) =>
        new(System.Net.HttpStatusCode.NotFound, $"No such image: {image}", "image");

    private static bool LooksLikeId(string name) =>
        name.StartsWith("sha256:", StringComparison.Ordinal) || (name.Length is >= 12 and <= 64 && name.All(char.IsAsciiHexDigitLower));

    private static string NormalizeTag(string name)
    {
        var reference = ImageReference.Parse(name);
        return reference.FamiliarName + ":" + (reference.Tag ?? "latest");
    }

    private Image? Resolve(string name)
    {
        if (LooksLikeId(name))
        {
            var hex = name.StartsWith("sha256:", StringComparison.Ordinal) ? name["sha256:".Length..] : name;
            var matches = _images.Keys.Where(id => id.Hex.StartsWith(hex, StringComparison.Ordinal)).ToList();
            if (matches.Count == 1)
            {
                return _images[matches[0]];
            }

            if (matches.Count > 1 || name.StartsWith("sha256:", StringComparison.Ordinal))
            {
                return null;
            }
        }

        return ImageReference.TryParse(name, out _) && _tags.TryGetValue(NormalizeTag(name), out var id) ? _images[id] : null;
    }

    private List<string> TagsOf(Digest id) => [.. _tags.Where(p => p.Value == id).Select(p => p.Key).Order(StringComparer.Ordinal)];

    private long SizeOf(Image image) =>
        ChainId.ComputeAll(image.Config.DiffIds).Sum(c => _layers.TryGetValue(c.Digest, out var layer) ? layer.Content.LongLength : 0);

    private DockerImage Describe(Image image) => new()
    {
        Id = image.Id,
        RepoTags = TagsOf(image.Id),
        Created = image.Config.Created ?? DateTimeOffset.UnixEpoch,
        Size = SizeOf(image),
        Os = image.Config.Os,
        Architecture = image.Config.Architecture,
        Layers = [.. image.Config.DiffIds.Select(d => d.Digest)],
        Labels = image.Config.Config?.Labels ?? new Dictionary<string, string>(),
        Env = image.Config.Config?.Env ?? [],
        Cmd = image.Config.Config?.Cmd ?? [],
        Entrypoint = image.Config.Config?.Entrypoint ?? [],
        WorkingDir = image.Config.Config?.WorkingDir,
    };

    private sealed record Layer(DiffId DiffId, byte[] Content);

    private sealed record Image(Digest Id, byte[] ConfigBytes, ImageConfig Config);

    private sealed record ReceivedLayer(DiffId DiffId, byte[] Content);

    /// <summary>Takes every layer file of a load, inflating a gzip one as dockerd does, and hashes it.</summary>
    private sealed class LayerFileSink : IDockerArchiveSink
    {
        public Dictionary<string, ReceivedLayer> Files { get; } = new(StringComparer.Ordinal);

        public HashSet<DiffId> Compressed { get; } = [];

        public ValueTask<bool> ShouldConsumeAsync(DockerArchiveEntry entry, CancellationToken cancellationToken) =>
            ValueTask.FromResult(entry.Kind == DockerArchiveEntryKind.Layer);

        public async Task ConsumeAsync(DockerArchiveEntry entry, Stream content, CancellationToken cancellationToken)
        {
            var raw = new MemoryStream();
            await content.CopyToAsync(raw, cancellationToken);
            var bytes = raw.ToArray();
            var compressed = bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
            if (compressed)
            {
                var inflated = new MemoryStream();
                await using (var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress))
                {
                    await gzip.CopyToAsync(inflated, cancellationToken);
                }

                bytes = inflated.ToArray();
            }

            var diffId = DiffId.FromDigest(Digest.Compute(bytes));
            if (compressed)
            {
                Compressed.Add(diffId);
            }

            Files[entry.Path] = new ReceivedLayer(diffId, bytes);
        }
    }
}
