namespace LayerCache.Oci;

/// <summary>
/// An OCI Image Layout directory (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/ALG/HEX</c>), readable by
/// skopeo (<c>oci:DIR:REF</c>), umoci and BuildKit. Blob paths are derived from <see cref="Digest"/> values
/// only. Every blob read is verified (<see cref="VerifyingStream"/>); every file write goes to a temp
/// file in <c>.tmp/</c> (a directory other tools ignore), is flushed to disk and renamed into place, so a
/// crash never leaves a partial blob or index under its final name.
/// The index is replaced atomically but not merged: concurrent writers of <c>index.json</c> must
/// coordinate (last rename wins).
/// </summary>
public sealed class OciLayout
{
    /// <summary>Name of the layout marker file.</summary>
    public const string LayoutFileName = "oci-layout";

    /// <summary>Name of the index file.</summary>
    public const string IndexFileName = "index.json";

    /// <summary>Name of the blobs directory.</summary>
    public const string BlobsDirectoryName = "blobs";

    /// <summary>Name of the directory that holds files being written.</summary>
    public const string TempDirectoryName = ".tmp";

    /// <summary>The largest manifest, index or config this class reads into memory.</summary>
    public const long MaxDocumentSize = 64L * 1024 * 1024;

    private OciLayout(string root) => Root = root;

    /// <summary>The layout's directory (absolute).</summary>
    public string Root { get; }

    /// <summary>Path of <c>index.json</c>.</summary>
    public string IndexPath => Path.Combine(Root, IndexFileName);

    /// <summary>The directory of temp files (<c>.tmp/</c>).</summary>
    public string TempDirectory => Path.Combine(Root, TempDirectoryName);

    /// <summary>
    /// Opens a layout, creating the directory, <c>oci-layout</c>, <c>blobs/sha256</c> and an empty
    /// <c>index.json</c> if missing. Stale temp files are left to <see cref="RemoveStaleTempFiles"/>,
    /// which its owner calls when no writer can be using them.
    /// </summary>
    /// <exception cref="OciFormatException">The directory holds an <c>oci-layout</c> of an unsupported version or malformed.</exception>
    public static async Task<OciLayout> OpenOrCreateAsync(string directory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var layout = new OciLayout(Path.GetFullPath(directory));
        Directory.CreateDirectory(Path.Combine(layout.Root, BlobsDirectoryName, "sha256"));
        Directory.CreateDirectory(layout.TempDirectory);

        var header = Path.Combine(layout.Root, LayoutFileName);
        if (File.Exists(header))
        {
            await ValidateHeaderAsync(header, cancellationToken);
        }
        else
        {
            await layout.WriteFileAtomicallyAsync(header, OciJson.Serialize(new OciLayoutHeader { ImageLayoutVersion = OciLayoutHeader.CurrentVersion }), cancellationToken);
        }

        if (!File.Exists(layout.IndexPath))
        {
            await layout.WriteIndexAsync(ImageIndex.Empty, cancellationToken);
        }

        return layout;
    }

    /// <summary>Opens an existing layout (e.g. one written by skopeo) without creating anything.</summary>
    /// <exception cref="OciFormatException">The directory is not an OCI image layout.</exception>
    public static async Task<OciLayout> OpenAsync(string directory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        var header = Path.Combine(root, LayoutFileName);
        if (!File.Exists(header))
        {
            throw new OciFormatException($"{root} is not an OCI image layout: it has no {LayoutFileName} file");
        }

        await ValidateHeaderAsync(header, cancellationToken);
        return new OciLayout(root);
    }

    /// <summary>The file path of a blob (whether or not it exists).</summary>
    public string GetBlobPath(Digest digest)
    {
        if (digest.IsEmpty)
        {
            throw new ArgumentException("default(Digest) has no blob path", nameof(digest));
        }

        return Path.Combine(Root, BlobsDirectoryName, digest.AlgorithmName, digest.Hex);
    }

    /// <summary>True when the blob file exists (its content is verified when read, not here).</summary>
    public bool HasBlob(Digest digest) => File.Exists(GetBlobPath(digest));

    /// <summary>The size of a stored blob, or false when it is absent.</summary>
    public bool TryGetBlobSize(Digest digest, out long size)
    {
        var info = new FileInfo(GetBlobPath(digest));
        size = info.Exists ? info.Length : 0;
        return info.Exists;
    }

    /// <summary>
    /// Opens a blob for reading through a <see cref="VerifyingStream"/>: reading it to the end verifies
    /// its digest and (when given, else the file's) size.
    /// </summary>
    /// <exception cref="BlobNotFoundException">The blob is not in the layout.</exception>
    public Task<VerifyingStream> OpenBlobAsync(Digest digest, long? expectedSize, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = GetBlobPath(digest);
        FileStream file;
        try
        {
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(digest, $"OCI layout {Root}");
        }

        return Task.FromResult(new VerifyingStream(file, digest, expectedSize ?? file.Length, path));
    }

    /// <summary>Opens the blob a descriptor points to, verifying digest and the descriptor's size.</summary>
    /// <exception cref="BlobNotFoundException">The blob is not in the layout.</exception>
    public Task<VerifyingStream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return OpenBlobAsync(descriptor.Digest, descriptor.Size, cancellationToken);
    }

    /// <summary>Reads a small blob (manifest, config) into memory, verified.</summary>
    /// <exception cref="BlobNotFoundException">The blob is not in the layout.</exception>
    /// <exception cref="ContentVerificationException">The blob is corrupt.</exception>
    /// <exception cref="OciFormatException">The blob is larger than <paramref name="maxSize"/>.</exception>
    public async Task<byte[]> ReadBlobAsync(Digest digest, CancellationToken cancellationToken, long maxSize = MaxDocumentSize)
    {
        await using var stream = await OpenBlobAsync(digest, null, cancellationToken);
        if (stream.Length > maxSize)
        {
            throw new OciFormatException($"blob {digest} in {Root} is {stream.Length} bytes, more than the {maxSize} allowed for a document");
        }

        var buffer = new byte[stream.Length];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        await stream.VerifyToEndAsync(cancellationToken);
        return buffer;
    }

    /// <summary>Reads and parses the manifest a descriptor points to.</summary>
    public async Task<ImageManifest> ReadManifestAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var bytes = await ReadDescribedAsync(descriptor, cancellationToken);
        return OciJson.DeserializeManifest(bytes, GetBlobPath(descriptor.Digest));
    }

    /// <summary>Reads and parses the image config a descriptor points to (keep using the blob, not a re-serialization).</summary>
    public async Task<ImageConfig> ReadConfigAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var bytes = await ReadDescribedAsync(descriptor, cancellationToken);
        return OciJson.DeserializeConfig(bytes, GetBlobPath(descriptor.Digest));
    }

    /// <summary>
    /// Streams <paramref name="content"/> into the layout as a blob: to a temp file, hashed (and verified
    /// against <paramref name="expectedDigest"/> / <paramref name="expectedSize"/> when given), flushed to
    /// disk, then renamed to <c>blobs/ALG/HEX</c>. When <paramref name="expectedDigest"/> is given and that
    /// blob already exists with the expected size, <paramref name="content"/> is not read at all.
    /// </summary>
    /// <exception cref="ContentVerificationException">The content does not match the expectation; nothing is stored.</exception>
    public async Task<BlobInfo> WriteBlobAsync(Stream content, Digest? expectedDigest, long? expectedSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (expectedDigest is { } known && TryGetBlobSize(known, out var existingSize) && (expectedSize is null || expectedSize == existingSize))
        {
            return new BlobInfo(known, existingSize) { Existed = true };
        }

        var file = AtomicFile.CreateTemp(TempDirectory, out var temp);
        try
        {
            Digest digest;
            long size;
            await using (file)
            {
                if (expectedDigest is { } expected)
                {
                    await using var verifying = new VerifyingStream(content, expected, expectedSize, "blob " + expected, leaveOpen: true);
                    await verifying.CopyToAsync(file, cancellationToken);
                    await verifying.VerifyToEndAsync(cancellationToken);
                    (digest, size) = (expected, verifying.BytesRead);
                }
                else
                {
                    await using var digesting = new DigestingStream(content, leaveOpen: true);
                    await digesting.CopyToAsync(file, cancellationToken);
                    (digest, size) = (digesting.Digest, digesting.ByteCount);
                    if (expectedSize is { } limit && limit != size)
                    {
                        throw new SizeMismatchException(limit, size, "blob " + digest);
                    }
                }

                // Content of unknown digest (a layer tar of a docker save) may turn out to be a blob we
                // have: keep the stored copy rather than rewrite it, and say so.
                if (TryGetBlobSize(digest, out var storedSize) && storedSize == size)
                {
                    await file.DisposeAsync();
                    AtomicFile.TryDelete(temp);
                    return new BlobInfo(digest, size) { Existed = true };
                }

                await AtomicFile.CommitAsync(file, temp, GetBlobPath(digest), cancellationToken);
            }

            return new BlobInfo(digest, size);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
    }
    /// <summary>Stores bytes already in memory (a manifest, a config) as a blob.</summary>
    public async Task<BlobInfo> WriteBlobAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var digest = Digest.Compute(content.Span);
        if (TryGetBlobSize(digest, out var size) && size == content.Length)
        {
            return new BlobInfo(digest, size) { Existed = true };
        }

        await WriteFileAtomicallyAsync(GetBlobPath(digest), content, cancellationToken);
        return new BlobInfo(digest, content.Length);
    }

    /// <summary>Serializes and stores a manifest; returns its descriptor.</summary>
    public async Task<Descriptor> WriteManifestAsync(ImageManifest manifest, CancellationToken cancellationToken, Platform? platform = null)
    {
        var document = OciJson.SerializeWithDigest(manifest);
        await WriteBlobAsync(document.Content, cancellationToken);
        return document.ToDescriptor(platform);
    }

    /// <summary>Deletes a blob; false when it was not there.</summary>
    public bool DeleteBlob(Digest digest)
    {
        var path = GetBlobPath(digest);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>Lists the stored blobs (files under <c>blobs/</c> whose names form a valid digest).</summary>
    public IEnumerable<BlobInfo> EnumerateBlobs()
    {
        var blobs = new DirectoryInfo(Path.Combine(Root, BlobsDirectoryName));
        if (!blobs.Exists)
        {
            yield break;
        }

        foreach (var algorithmDirectory in blobs.EnumerateDirectories())
        {
            foreach (var file in algorithmDirectory.EnumerateFiles())
            {
                if (Digest.TryParse(algorithmDirectory.Name + ":" + file.Name, out var digest))
                {
                    yield return new BlobInfo(digest, file.Length);
                }
            }
        }
    }

    /// <summary>Reads <c>index.json</c> (an empty index when the file is absent).</summary>
    /// <exception cref="OciFormatException">index.json is malformed.</exception>
    public async Task<ImageIndex> ReadIndexAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(IndexPath);
            if (info.Exists && info.Length > MaxDocumentSize)
            {
                throw new OciFormatException($"{IndexPath} is {info.Length} bytes, more than the {MaxDocumentSize} allowed");
            }

            bytes = await File.ReadAllBytesAsync(IndexPath, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return ImageIndex.Empty;
        }

        return OciJson.DeserializeIndex(bytes, IndexPath);
    }

    /// <summary>Replaces <c>index.json</c> atomically.</summary>
    public Task WriteIndexAsync(ImageIndex index, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(index);
        return WriteFileAtomicallyAsync(IndexPath, OciJson.Serialize(index), cancellationToken);
    }

    /// <summary>The manifest descriptor named <paramref name="refName"/> in <c>index.json</c>, or null.</summary>
    public async Task<Descriptor?> ResolveAsync(string refName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(refName);
        var index = await ReadIndexAsync(cancellationToken);
        return index.FindByRefName(refName).LastOrDefault();
    }

    /// <summary>Names <paramref name="manifest"/> <paramref name="refName"/> in <c>index.json</c> (replacing a previous holder of that name).</summary>
    public async Task<Descriptor> TagAsync(string refName, Descriptor manifest, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(refName);
        ArgumentNullException.ThrowIfNull(manifest);
        var index = await ReadIndexAsync(cancellationToken);
        var updated = index.WithRef(refName, manifest);
        await WriteIndexAsync(updated, cancellationToken);
        return updated.Manifests[^1];
    }

    /// <summary>
    /// Deletes temp files last written more than <paramref name="olderThan"/> ago (left by killed
    /// writers); returns how many. Call it when no writer can be using them (a store's prune).
    /// </summary>
    public int RemoveStaleTempFiles(TimeSpan olderThan) => AtomicFile.SweepStale(TempDirectory, olderThan);

    private static async Task ValidateHeaderAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var header = OciJson.DeserializeLayoutHeader(bytes, path);
        if (!header.ImageLayoutVersion.StartsWith("1.", StringComparison.Ordinal))
        {
            throw new OciFormatException($"{path}: unsupported imageLayoutVersion \"{header.ImageLayoutVersion}\" (expected 1.x)");
        }
    }

    private async Task<byte[]> ReadDescribedAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        if (descriptor.Size > MaxDocumentSize)
        {
            throw new OciFormatException($"{descriptor.MediaType} {descriptor.Digest} is {descriptor.Size} bytes, more than the {MaxDocumentSize} allowed for a document");
        }

        await using var stream = await OpenBlobAsync(descriptor, cancellationToken);
        var buffer = new byte[descriptor.Size];
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
        }
        catch (EndOfStreamException)
        {
            // The file is shorter than the descriptor says: report it as the size mismatch it is.
            throw new SizeMismatchException(descriptor.Size, stream.BytesRead, GetBlobPath(descriptor.Digest));
        }

        await stream.VerifyToEndAsync(cancellationToken);
        return buffer;
    }

    private Task WriteFileAtomicallyAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(path, content, TempDirectory, cancellationToken);

    /// <summary>The layout's root directory.</summary>
    public override string ToString() => Root;
}
