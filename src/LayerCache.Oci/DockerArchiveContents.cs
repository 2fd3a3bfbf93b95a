namespace LayerCache.Oci;

/// <summary>
/// What <see cref="DockerArchiveReader"/> learned from one pass over an archive: the parsed
/// <c>manifest.json</c> / <c>index.json</c>, every regular file entry, the digest and size of each file
/// it hashed, links, and the small JSON documents it kept in memory (configs, manifests, metadata).
/// </summary>
public sealed class DockerArchiveContents
{
    private const int MaxLinkDepth = 32;

    private readonly IReadOnlyDictionary<string, ReadOnlyMemory<byte>> _documents;

    internal DockerArchiveContents(
        IReadOnlyList<DockerArchiveManifest> manifests,
        ImageIndex? index,
        IReadOnlyDictionary<string, Dictionary<string, string>>? repositories,
        IReadOnlyDictionary<string, DockerArchiveEntry> entries,
        IReadOnlyDictionary<string, BlobInfo> files,
        IReadOnlyDictionary<string, string> links,
        IReadOnlyDictionary<string, ReadOnlyMemory<byte>> documents)
    {
        Manifests = manifests;
        Index = index;
        Repositories = repositories;
        Entries = entries;
        Files = files;
        Links = links;
        _documents = documents;
    }

    /// <summary>The entries of <c>manifest.json</c> (empty for an OCI archive without one).</summary>
    public IReadOnlyList<DockerArchiveManifest> Manifests { get; }

    /// <summary>The parsed <c>index.json</c> of an archive in OCI layout form (Docker 25+, OCI archives), else null.</summary>
    public ImageIndex? Index { get; }

    /// <summary>The legacy <c>repositories</c> file (name → tag → layer ID), if present.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>>? Repositories { get; }

    /// <summary>Every regular file entry by path.</summary>
    public IReadOnlyDictionary<string, DockerArchiveEntry> Entries { get; }

    /// <summary>
    /// Digest and size of every file the reader hashed (those the sink consumed and the JSON documents
    /// it kept), by path; link paths map to their target's values.
    /// </summary>
    public IReadOnlyDictionary<string, BlobInfo> Files { get; }

    /// <summary>Symbolic and hard links: link path → target path (archive-relative, resolved one step).</summary>
    public IReadOnlyDictionary<string, string> Links { get; }

    /// <summary>Follows links from <paramref name="path"/> to a regular file path (or the last link target when dangling).</summary>
    /// <exception cref="InvalidArchiveException">The links form a loop.</exception>
    public string ResolvePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var current = DockerArchiveReader.NormalizeEntryPath(path) ?? path;
        for (var i = 0; i < MaxLinkDepth; i++)
        {
            if (!Links.TryGetValue(current, out var target))
            {
                return current;
            }

            current = target;
        }

        throw new InvalidArchiveException(path, "too many levels of links");
    }

    /// <summary>The bytes of a JSON document the reader kept (configs, manifests, metadata), following links.</summary>
    public bool TryGetDocument(string path, out ReadOnlyMemory<byte> content) => _documents.TryGetValue(ResolvePath(path), out content);

    /// <summary>
    /// The images of the archive with their configs and layers: from <c>manifest.json</c> when present,
    /// else from the manifests that <c>index.json</c> lists (an OCI archive).
    /// </summary>
    /// <exception cref="InvalidArchiveException">A config or manifest is missing or does not fit the listing.</exception>
    public IReadOnlyList<DockerArchiveImage> GetImages()
    {
        var images = new List<DockerArchiveImage>();
        if (Manifests.Count > 0)
        {
            foreach (var manifest in Manifests)
            {
                images.Add(BuildImage(manifest, null, null));
            }

            return images;
        }

        foreach (var descriptor in Index?.Manifests ?? [])
        {
            if (!MediaType.IsManifest(descriptor.MediaType))
            {
                continue;
            }

            var path = BlobPath(descriptor.Digest);
            if (!TryGetDocument(path, out var bytes))
            {
                throw new InvalidArchiveException(path, $"index.json lists manifest {descriptor.Digest}, which is not in the archive");
            }

            var manifest = OciJson.DeserializeManifest(bytes.Span, path);
            // Only the full image name annotation (Docker 25+, containerd) is a reference; the OCI
            // ref.name is usually a bare tag and says nothing about the repository.
            var imageName = descriptor.GetAnnotation(AnnotationKeys.ImageName);
            var tags = new List<string>();
            if (imageName is not null && ImageReference.TryParse(imageName, out var reference) && reference.Tag is not null)
            {
                tags.Add(reference.FamiliarName + ":" + reference.Tag);
            }

            var synthesized = new DockerArchiveManifest
            {
                Config = BlobPath(manifest.Config.Digest),
                RepoTags = tags,
                Layers = manifest.Layers.Select(l => BlobPath(l.Digest)).ToList(),
            };
            images.Add(BuildImage(synthesized, manifest, descriptor));
        }

        return images;
    }

    /// <summary>The archive path of a blob in the OCI layout form: <c>blobs/ALG/HEX</c>.</summary>
    public static string BlobPath(Digest digest) => $"blobs/{digest.AlgorithmName}/{digest.Hex}";

    private DockerArchiveImage BuildImage(DockerArchiveManifest manifest, ImageManifest? ociManifest, Descriptor? descriptor)
    {
        var configPath = ResolvePath(manifest.Config);
        if (!_documents.TryGetValue(configPath, out var configBytes) || !Files.TryGetValue(configPath, out var configFile))
        {
            throw new InvalidArchiveException(manifest.Config, "the image config named in the manifest is not in the archive (or too large to be a config)");
        }

        var config = OciJson.DeserializeConfig(configBytes.Span, manifest.Config);
        if (config.DiffIds.Count != manifest.Layers.Count)
        {
            throw new InvalidArchiveException(manifest.Config, $"the manifest lists {manifest.Layers.Count} layers but the config has {config.DiffIds.Count} diff_ids");
        }

        var layers = new List<DockerArchiveLayer>();
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var resolved = ResolvePath(manifest.Layers[i]);
            layers.Add(new DockerArchiveLayer
            {
                Path = manifest.Layers[i],
                ResolvedPath = resolved,
                DiffId = config.DiffIds[i],
                IsPresent = Entries.ContainsKey(resolved),
                File = Files.TryGetValue(resolved, out var file) ? file : null,
                MediaType = ociManifest?.Layers[i].MediaType,
            });
        }

        return new DockerArchiveImage
        {
            Manifest = manifest,
            ConfigDigest = configFile.Digest,
            ConfigContent = configBytes,
            Config = config,
            Layers = layers,
            ManifestDescriptor = descriptor,
        };
    }
}
