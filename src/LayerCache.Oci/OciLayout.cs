namespace LayerCache.Oci;

/// <summary>
/// An OCI Image Layout directory (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/ALG/HEX</c>), readable by
/// skopeo (<c>oci:DIR:REF</c>), umoci and BuildKit. Blob paths are derived from <see cref="Digest"/> values
/// only. Every blob read is verified (<see cref="VerifyingStream"/>); every file write goes to a temp
/// file in <c>.tmp/</c> (a directory other tools ignore), is flushed to disk and renamed into place, so a
/// crash never leaves a partial blob or index under its final name.
/// The directory is untrusted input (a CI cache may hold anything): no path in it is followed through
/// a symbolic link or opened when it is a FIFO or device (<see cref="UntrustedFile"/>), every document
/// read is bounded (<see cref="DocumentReader"/>), and a tree that is not plain directories and
/// regular files fails <see cref="CheckTree"/> with an <see cref="UnsafeFileException"/>.
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

    /// <summary>The largest manifest, index or config this class reads into memory (<see cref="DocumentReader.MaxSize"/>).</summary>
    public const long MaxDocumentSize = DocumentReader.MaxSize;

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
        Directory.CreateDirectory(layout.Root);
        layout.CheckTree();
        Directory.CreateDirectory(Path.Combine(layout.Root, BlobsDirectoryName, "sha256"));
        Directory.CreateDirectory(layout.TempDirectory);

        var header = Path.Combine(layout.Root, LayoutFileName);
        if (UntrustedFile.GetKind(header) != FileKind.Missing)
        {
            await ValidateHeaderAsync(header, cancellationToken);
        }
        else
        {
            await layout.WriteFileAtomicallyAsync(header, OciJson.Serialize(new OciLayoutHeader { ImageLayoutVersion = OciLayoutHeader.CurrentVersion }), cancellationToken);
        }

        if (UntrustedFile.GetKind(layout.IndexPath) == FileKind.Missing)
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
        if (UntrustedFile.GetKind(header) == FileKind.Missing)
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

    /// <summary>True when the blob is a regular file (its content is verified when read, not here); a link or special file is no blob.</summary>
    public bool HasBlob(Digest digest) => TryGetBlobSize(digest, out _);

    /// <summary>The size of a stored blob, or false when it is absent (or not a regular file in a real directory).</summary>
    public bool TryGetBlobSize(Digest digest, out long size)
    {
        var path = GetBlobPath(digest);
        size = 0;
        if (UntrustedFile.GetKind(Path.GetDirectoryName(path)!) != FileKind.Directory)
        {
            return false;
        }

        var (kind, length) = UntrustedFile.Describe(path);
        size = kind == FileKind.File ? length : 0;
        return kind == FileKind.File;
    }

    /// <summary>
    /// Opens a blob for reading through a <see cref="VerifyingStream"/>: reading it to the end verifies
    /// its digest and (when given, else the file's) size.
    /// </summary>
    /// <exception cref="BlobNotFoundException">The blob is not in the layout.</exception>
    public Task<VerifyingStream> OpenBlobAsync(Digest digest, long? expectedSize, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = OpenBlobFile(digest);
        return Task.FromResult(new VerifyingStream(file, digest, expectedSize ?? file.Length, GetBlobPath(digest)));
    }

    /// <summary>
    /// Opens a blob's file without verifying it (never through a link, never a special file):
    /// for a caller that verified this very file before and can tell it has not changed since (a server
    /// serving the same layer to every client); <see cref="OpenBlobAsync(Digest, long?, CancellationToken)"/> wraps it in a <see cref="VerifyingStream"/>.
    /// </summary>
    /// <exception cref="BlobNotFoundException">The blob is not in the layout.</exception>
    public FileStream OpenBlobFile(Digest digest)
    {
        var path = GetBlobPath(digest);
        try
        {
            RequireOwnDirectory(Path.GetDirectoryName(path)!, mayBeMissing: true);
            return UntrustedFile.OpenRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(digest, $"OCI layout {Root}");
        }
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

        // Bounded by the reader too: the file's length is only what it was at open.
        var buffer = await DocumentReader.ReadAsync(stream, GetBlobPath(digest), cancellationToken);
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

                var final = GetBlobPath(digest);
                RequireOwnDirectory(Path.GetDirectoryName(final)!, mayBeMissing: true);
                await AtomicFile.CommitAsync(file, temp, final, cancellationToken);
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
    /// <remarks>Deletes only inside the layout: the algorithm directory must be a real directory, and a link there is unlinked, never followed.</remarks>
    public bool DeleteBlob(Digest digest)
    {
        var path = GetBlobPath(digest);
        RequireOwnDirectory(Path.GetDirectoryName(path)!, mayBeMissing: true);
        if (UntrustedFile.GetKind(path) is FileKind.Missing or FileKind.Directory)
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>Lists the stored blobs (files under <c>blobs/</c> whose names form a valid digest).</summary>
    /// <remarks>Only regular files in real directories are blobs: links and special files are skipped (and fail <see cref="CheckTree"/>).</remarks>
    public IEnumerable<BlobInfo> EnumerateBlobs()
    {
        var blobs = Path.Combine(Root, BlobsDirectoryName);
        RequireOwnDirectory(blobs, mayBeMissing: true);
        if (UntrustedFile.GetKind(blobs) == FileKind.Missing)
        {
            yield break;
        }

        foreach (var algorithmDirectory in Directory.EnumerateFileSystemEntries(blobs))
        {
            if (UntrustedFile.GetKind(algorithmDirectory) != FileKind.Directory)
            {
                continue;
            }

            var algorithm = Path.GetFileName(algorithmDirectory);
            foreach (var file in Directory.EnumerateFileSystemEntries(algorithmDirectory))
            {
                if (Digest.TryParse(algorithm + ":" + Path.GetFileName(file), out var digest)
                    && UntrustedFile.Describe(file) is (FileKind.File, var size))
                {
                    yield return new BlobInfo(digest, size);
                }
            }
        }
    }

    /// <summary>
    /// Checks that the layout is plain directories and regular files: <c>blobs/</c>, each algorithm
    /// directory and <c>.tmp/</c> real directories (not links), <c>oci-layout</c> and
    /// <c>index.json</c> regular files, and nothing under <c>blobs/</c> or <c>.tmp/</c> a link, FIFO,
    /// socket or device. Absent parts are fine (they are created).
    /// </summary>
    /// <exception cref="UnsafeFileException">The first path that is not what it must be.</exception>
    public void CheckTree()
    {
        foreach (var problem in FindTreeProblems())
        {
            throw new UnsafeFileException(problem.Path, problem.Kind);
        }
    }

    /// <summary>
    /// Removes every path <see cref="CheckTree"/> refuses (links and special files are unlinked, never
    /// followed; a directory where a file belongs is deleted with its content, links in it unlinked);
    /// returns the paths removed. Only paths inside the layout are touched.
    /// </summary>
    public static IReadOnlyList<string> RemoveUnsafeEntries(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var layout = new OciLayout(Path.GetFullPath(directory));
        var removed = new List<string>();
        foreach (var (path, kind) in layout.FindTreeProblems().ToList())
        {
            if (kind == FileKind.Directory)
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }

            removed.Add(path);
        }

        return removed;
    }

    /// <summary>Every path of the layout that <see cref="CheckTree"/> refuses, with what it is.</summary>
    public IEnumerable<(string Path, FileKind Kind)> FindTreeProblems()
    {
        foreach (var file in (string[])[Path.Combine(Root, LayoutFileName), IndexPath])
        {
            if (UntrustedFile.GetKind(file) is var kind && kind is not (FileKind.File or FileKind.Missing))
            {
                yield return (file, kind);
            }
        }

        foreach (var directory in (string[])[Path.Combine(Root, BlobsDirectoryName), TempDirectory])
        {
            var kind = UntrustedFile.GetKind(directory);
            if (kind == FileKind.Missing)
            {
                continue;
            }

            if (kind != FileKind.Directory)
            {
                yield return (directory, kind);
                continue;
            }

            var nested = directory.EndsWith(BlobsDirectoryName, StringComparison.Ordinal);
            foreach (var child in Directory.EnumerateFileSystemEntries(directory))
            {
                var childKind = UntrustedFile.GetKind(child);
                if (nested && childKind == FileKind.Directory)
                {
                    foreach (var blob in Directory.EnumerateFileSystemEntries(child))
                    {
                        if (UntrustedFile.GetKind(blob) is var blobKind && blobKind != FileKind.File)
                        {
                            yield return (blob, blobKind);
                        }
                    }
                }
                else if (childKind is not FileKind.File and not FileKind.Missing)
                {
                    yield return (child, childKind);
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
            bytes = await DocumentReader.ReadFileAsync(IndexPath, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return ImageIndex.Empty;
        }
        catch (UnsafeFileException e)
        {
            throw new OciFormatException(e.Message, e);
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
        byte[] bytes;
        try
        {
            bytes = await DocumentReader.ReadFileAsync(path, cancellationToken);
        }
        catch (UnsafeFileException e)
        {
            throw new OciFormatException(e.Message, e);
        }

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

        // The verifying stream checks the descriptor's size (short or long) and digest at the end.
        await using var stream = await OpenBlobAsync(descriptor, cancellationToken);
        var buffer = await DocumentReader.ReadAsync(stream, GetBlobPath(descriptor.Digest), cancellationToken);
        await stream.VerifyToEndAsync(cancellationToken);
        return buffer;
    }

    // A blob directory (blobs/ or blobs/ALG) must be a real directory of this layout, never a link out of it.
    private static void RequireOwnDirectory(string path, bool mayBeMissing)
    {
        UntrustedFile.RequireDirectory(Path.GetDirectoryName(path)!, mayBeMissing);
        UntrustedFile.RequireDirectory(path, mayBeMissing);
    }

    private Task WriteFileAtomicallyAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(path, content, TempDirectory, cancellationToken);

    /// <summary>The layout's root directory.</summary>
    public override string ToString() => Root;
}
