namespace LayerCache.Oci;

/// <summary>
/// Writes a tar that <c>docker load</c> (dockerd 20.10 and later) accepts, to a forward-only stream
/// such as the body of the Engine API's <c>POST /images/load</c>, in constant memory: configs as
/// <c>&lt;hex&gt;.json</c>, layers as <c>&lt;id&gt;/layer.tar</c> copied from caller streams of a stated
/// size, then <c>manifest.json</c> and <c>repositories</c>.
/// A manifest may list layer paths that are not in the archive: dockerd opens a layer file only when
/// the layer's ChainID is missing from its layer store, so layers the engine already has can be left
/// out. Layer files may be gzip-compressed tars; dockerd detects and decompresses them (it checks the
/// DiffId of the decompressed content against the config).
/// Call <see cref="CompleteAsync"/> to finish; disposing without it leaves an unterminated archive.
/// </summary>
public sealed class DockerArchiveWriter : IAsyncDisposable
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly TarOutput _tar;
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly List<DockerArchiveManifest> _manifests = [];
    private bool _completed;
    private bool _disposed;

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public DockerArchiveWriter(Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _leaveOpen = leaveOpen;
        _tar = new TarOutput(output);
    }

    /// <summary>The archive path of a config: <c>&lt;hex&gt;.json</c>.</summary>
    public static string ConfigPath(Digest configDigest) => configDigest.Hex + ".json";

    /// <summary>The archive path of a layer: <c>&lt;diffid-hex&gt;/layer.tar</c>.</summary>
    public static string LayerPath(DiffId diffId) => diffId.Digest.Hex + "/layer.tar";

    /// <summary>Paths written so far.</summary>
    public IReadOnlyCollection<string> WrittenPaths => _written;

    /// <summary>Writes a config (once per digest) and returns its archive path.</summary>
    public async Task<string> WriteConfigAsync(ReadOnlyMemory<byte> config, CancellationToken cancellationToken)
    {
        ThrowIfDone();
        var path = ConfigPath(Digest.Compute(config.Span));
        if (_written.Add(path))
        {
            await _tar.WriteFileAsync(path, config, cancellationToken);
        }

        return path;
    }

    /// <summary>
    /// Writes a layer (once per DiffId) from <paramref name="content"/>, which must yield exactly
    /// <paramref name="size"/> bytes (an uncompressed or gzip tar whose uncompressed digest is
    /// <paramref name="diffId"/>); returns its archive path. The content is read to its end, so a
    /// <see cref="VerifyingStream"/> source is verified.
    /// </summary>
    /// <exception cref="SizeMismatchException">The content had another length; the archive is unusable.</exception>
    public async Task<string> WriteLayerAsync(DiffId diffId, Stream content, long size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ThrowIfDone();
        var path = LayerPath(diffId);
        if (_written.Add(path))
        {
            await _tar.WriteDirectoryAsync(diffId.Digest.Hex, cancellationToken);
            await _tar.WriteFileAsync(path, content, size, cancellationToken);
        }

        return path;
    }

    /// <summary>Adds an entry to manifest.json (paths as written or deliberately omitted).</summary>
    public void AddManifest(DockerArchiveManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ThrowIfDone();
        _manifests.Add(manifest);
    }

    /// <summary>
    /// Adds an image to manifest.json with the standard paths: its config (which must have been written)
    /// and one <see cref="LayerPath"/> per DiffId, whether or not that layer was written.
    /// </summary>
    public DockerArchiveManifest AddImage(Digest configDigest, IEnumerable<DiffId> diffIds, IEnumerable<ImageReference> tags)
    {
        ArgumentNullException.ThrowIfNull(diffIds);
        ArgumentNullException.ThrowIfNull(tags);
        var configPath = ConfigPath(configDigest);
        if (!_written.Contains(configPath))
        {
            throw new InvalidOperationException($"config {configDigest} must be written before the image that uses it");
        }

        var repoTags = tags.Select(t => t.Tag is null
            ? throw new ArgumentException($"docker load needs a tag, \"{t}\" has none", nameof(tags))
            : t.FamiliarName + ":" + t.Tag).Distinct(StringComparer.Ordinal).ToList();
        var manifest = new DockerArchiveManifest
        {
            Config = configPath,
            RepoTags = repoTags,
            Layers = diffIds.Select(LayerPath).ToList(),
        };
        AddManifest(manifest);
        return manifest;
    }

    /// <summary>Writes manifest.json and repositories and terminates the archive.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfDone();
        _completed = true;
        foreach (var manifest in _manifests)
        {
            if (!_written.Contains(manifest.Config))
            {
                throw new InvalidOperationException($"manifest.json names config {manifest.Config}, which was not written; docker load needs every config");
            }
        }

        await _tar.WriteFileAsync("manifest.json", OciJson.Serialize(_manifests), cancellationToken);
        var repositories = BuildRepositories();
        if (repositories.Count > 0)
        {
            await _tar.WriteFileAsync("repositories", OciJson.SerializeRepositories(repositories), cancellationToken);
        }

        await _tar.FinishAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_leaveOpen)
        {
            await _output.DisposeAsync();
        }
    }

    // The legacy file maps name → tag → the top layer's directory; dockerd ignores it when
    // manifest.json is present, older tools read it.
    private Dictionary<string, Dictionary<string, string>> BuildRepositories()
    {
        var repositories = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var manifest in _manifests)
        {
            if (manifest.Layers.Count == 0)
            {
                continue;
            }

            var top = manifest.Layers[^1];
            var slash = top.IndexOf('/', StringComparison.Ordinal);
            var layerId = slash > 0 ? top[..slash] : top;
            foreach (var repoTag in manifest.RepoTags ?? [])
            {
                var reference = ImageReference.Parse(repoTag);
                if (reference.Tag is null)
                {
                    continue;
                }

                if (!repositories.TryGetValue(reference.FamiliarName, out var tags))
                {
                    repositories[reference.FamiliarName] = tags = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                tags[reference.Tag] = layerId;
            }
        }

        return repositories;
    }

    private void ThrowIfDone()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("the archive is already complete");
        }
    }
}
