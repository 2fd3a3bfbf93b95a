using System.Formats.Tar;
using System.IO.Compression;

namespace LayerCache.Oci;

/// <summary>
/// Reads a <c>docker save</c> archive in one forward pass over a non-seekable stream (such as the body
/// of the Engine API's <c>GET /images/get</c>), in constant memory: layer content is streamed to an
/// <see cref="IDockerArchiveSink"/>, never buffered; only small JSON documents are kept.
/// Handles the classic layout of dockerd ≤ 24 (<c>&lt;id&gt;/layer.tar</c>, <c>&lt;hex&gt;.json</c>,
/// <c>manifest.json</c> after the layers, layers deduplicated by symlinks that may point forward), the
/// skopeo docker-archive layout (<c>&lt;hex&gt;.tar</c> plus legacy symlinks), the OCI layout form of
/// Docker 25+ (<c>blobs/sha256/…</c>, <c>index.json</c>, <c>oci-layout</c>, and <c>manifest.json</c>), and
/// plain OCI archives (<c>oci-archive:</c>, no manifest.json). A gzip-compressed archive is detected and
/// decompressed on the fly.
/// </summary>
public static class DockerArchiveReader
{
    /// <summary>Metadata and config files larger than this are rejected.</summary>
    public const long MaxDocumentSize = 64L * 1024 * 1024;

    /// <summary>
    /// Blobs of the OCI form up to this size are read into memory (bounded) to keep those that are JSON
    /// (configs, manifests), since their type is only known from index.json at the end.
    /// </summary>
    public const long MaxBufferedBlobSize = 4L * 1024 * 1024;

    private const int CopyBufferSize = 1 << 16;

    /// <summary>Reads an archive, handing entries to <paramref name="sink"/> (null: keep only metadata and configs).</summary>
    /// <exception cref="InvalidArchiveException">The archive is malformed, truncated, or not a docker/OCI archive.</exception>
    /// <exception cref="OciFormatException">manifest.json, index.json or repositories is malformed.</exception>
    /// <exception cref="ContentVerificationException">A blob's content does not match the digest its path names.</exception>
    public static async Task<DockerArchiveContents> ReadAsync(Stream archive, IDockerArchiveSink? sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var input = await DecompressIfGzipAsync(archive, cancellationToken);
        var entries = new Dictionary<string, DockerArchiveEntry>(StringComparer.Ordinal);
        var files = new Dictionary<string, BlobInfo>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        var documents = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        string? current = null;

        try
        {
            await using var reader = new TarReader(input, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } tarEntry)
            {
                current = tarEntry.Name;
                var path = NormalizeEntryPath(tarEntry.Name) ?? throw new InvalidArchiveException(tarEntry.Name, "unsafe or empty path");
                switch (tarEntry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        var entry = new DockerArchiveEntry { Path = path, Size = tarEntry.Length, Kind = Classify(path, out var blobDigest), BlobDigest = blobDigest };
                        if (!entries.TryAdd(path, entry))
                        {
                            throw new InvalidArchiveException(path, "appears twice in the archive");
                        }

                        await ReadEntryAsync(entry, tarEntry.DataStream ?? Stream.Null, sink, files, documents, cancellationToken);
                        break;
                    case TarEntryType.SymbolicLink:
                        links[path] = ResolveLinkTarget(path, tarEntry.LinkName, relative: true);
                        break;
                    case TarEntryType.HardLink:
                        links[path] = ResolveLinkTarget(path, tarEntry.LinkName, relative: false);
                        break;
                    default:
                        // Directories, PAX/GNU metadata entries and devices carry nothing we need.
                        break;
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException and not OciFormatException)
        {
            throw new InvalidArchiveException(current, $"truncated or malformed tar ({e.Message.Split('\n')[0]})", e);
        }

        return Finish(entries, files, links, documents);
    }

    /// <summary>
    /// Normalises an archive entry path: forward slashes, no leading <c>./</c> or <c>/</c>, no trailing
    /// slash. Returns null for paths that leave the archive root (<c>..</c>) or are empty.
    /// </summary>
    public static string? NormalizeEntryPath(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = new List<string>();
        foreach (var part in name.Replace('\\', '/').Split('/'))
        {
            switch (part)
            {
                case "" or ".":
                    continue;
                case "..":
                    if (parts.Count == 0)
                    {
                        return null;
                    }

                    parts.RemoveAt(parts.Count - 1);
                    continue;
                default:
                    parts.Add(part);
                    break;
            }
        }

        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    private static async Task<Stream> DecompressIfGzipAsync(Stream archive, CancellationToken cancellationToken)
    {
        var head = new byte[2];
        var read = await archive.ReadAtLeastAsync(head, 2, throwOnEndOfStream: false, cancellationToken);
        var prefixed = new PrefixedStream(head.AsMemory(0, read), archive);
        return read == 2 && head[0] == 0x1f && head[1] == 0x8b ? new GZipStream(prefixed, CompressionMode.Decompress) : prefixed;
    }

    private static DockerArchiveEntryKind Classify(string path, out Digest? blobDigest)
    {
        blobDigest = null;
        var parts = path.Split('/');
        if (parts.Length == 3 && parts[0] == "blobs")
        {
            if (Digest.TryParse(parts[1] + ":" + parts[2], out var digest))
            {
                blobDigest = digest;
                return DockerArchiveEntryKind.Blob;
            }

            return DockerArchiveEntryKind.Other;
        }

        if (parts.Length == 1)
        {
            return parts[0] switch
            {
                "manifest.json" or "repositories" or "index.json" or "oci-layout" => DockerArchiveEntryKind.Metadata,
                var name when name.EndsWith(".json", StringComparison.Ordinal) => DockerArchiveEntryKind.Config,
                var name when name.EndsWith(".tar", StringComparison.Ordinal) => DockerArchiveEntryKind.Layer,
                _ => DockerArchiveEntryKind.Other,
            };
        }

        if (parts.Length == 2)
        {
            return parts[1] switch
            {
                "layer.tar" => DockerArchiveEntryKind.Layer,
                "json" or "VERSION" => DockerArchiveEntryKind.Metadata,
                _ => DockerArchiveEntryKind.Other,
            };
        }

        return DockerArchiveEntryKind.Other;
    }

    private static async Task ReadEntryAsync(
        DockerArchiveEntry entry,
        Stream data,
        IDockerArchiveSink? sink,
        Dictionary<string, BlobInfo> files,
        Dictionary<string, ReadOnlyMemory<byte>> documents,
        CancellationToken cancellationToken)
    {
        var isDocument = entry.Kind is DockerArchiveEntryKind.Metadata or DockerArchiveEntryKind.Config;
        if (isDocument && entry.Size > MaxDocumentSize)
        {
            throw new InvalidArchiveException(entry.Path, $"is {entry.Size} bytes, more than the {MaxDocumentSize} allowed for a metadata or config file");
        }

        var wanted = sink is not null && await sink.ShouldConsumeAsync(entry, cancellationToken);
        data = new LengthCheckedStream(data, entry.Size, entry.Path);
        if (isDocument || (entry.Kind == DockerArchiveEntryKind.Blob && entry.Size <= MaxBufferedBlobSize))
        {
            // Small enough to hold: read it once into memory, hash it, keep it if it is JSON, and hand
            // the sink a copy.
            var bytes = new byte[entry.Size];
            await data.ReadExactlyAsync(bytes, cancellationToken);
            var digest = Digest.Compute(entry.BlobDigest?.Algorithm ?? DigestAlgorithm.Sha256, bytes);
            if (entry.BlobDigest is { } expected && expected != digest)
            {
                throw new DigestMismatchException(expected, digest, "archive entry " + entry.Path);
            }

            files[entry.Path] = new BlobInfo(digest, bytes.Length);
            if (isDocument || LooksLikeJson(bytes))
            {
                documents[entry.Path] = bytes;
            }

            if (wanted)
            {
                await sink!.ConsumeAsync(entry, new MemoryStream(bytes, writable: false), cancellationToken);
            }

            return;
        }

        if (!wanted)
        {
            // Skipped unread: TarReader moves past the data when asked for the next entry.
            return;
        }

        if (entry.BlobDigest is { } blobDigest)
        {
            await using var verifying = new VerifyingStream(data, blobDigest, entry.Size, "archive entry " + entry.Path, leaveOpen: true);
            await sink!.ConsumeAsync(entry, verifying, cancellationToken);
            await verifying.VerifyToEndAsync(cancellationToken);
            files[entry.Path] = new BlobInfo(blobDigest, verifying.BytesRead);
        }
        else
        {
            await using var digesting = new DigestingStream(data, leaveOpen: true);
            await sink!.ConsumeAsync(entry, digesting, cancellationToken);
            await DrainAsync(digesting, cancellationToken);
            files[entry.Path] = new BlobInfo(digesting.Digest, digesting.ByteCount);
        }
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[CopyBufferSize];
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }

    private static bool LooksLikeJson(ReadOnlySpan<byte> bytes)
    {
        var trimmed = bytes.TrimStart(" \t\r\n"u8);
        return !trimmed.IsEmpty && trimmed[0] == (byte)'{';
    }

    // A symlink target is relative to the link's directory (docker save writes "../<id>/layer.tar");
    // a hard link target is relative to the archive root.
    private static string ResolveLinkTarget(string linkPath, string target, bool relative)
    {
        if (target.StartsWith('/'))
        {
            return NormalizeEntryPath(target) ?? throw new InvalidArchiveException(linkPath, $"link target \"{target}\" is empty");
        }

        var slash = linkPath.LastIndexOf('/');
        var combined = relative && slash >= 0 ? linkPath[..(slash + 1)] + target : target;
        return NormalizeEntryPath(combined) ?? throw new InvalidArchiveException(linkPath, $"link target \"{target}\" leaves the archive");
    }

    private static DockerArchiveContents Finish(
        Dictionary<string, DockerArchiveEntry> entries,
        Dictionary<string, BlobInfo> files,
        Dictionary<string, string> links,
        Dictionary<string, ReadOnlyMemory<byte>> documents)
    {
        IReadOnlyList<DockerArchiveManifest> manifests = [];
        ImageIndex? index = null;
        IReadOnlyDictionary<string, Dictionary<string, string>>? repositories = null;
        if (documents.TryGetValue("manifest.json", out var manifestBytes))
        {
            manifests = OciJson.DeserializeDockerArchiveManifest(manifestBytes.Span, "manifest.json");
        }

        if (documents.TryGetValue("index.json", out var indexBytes))
        {
            index = OciJson.DeserializeIndex(indexBytes.Span, "index.json");
        }

        if (documents.TryGetValue("repositories", out var repositoriesBytes))
        {
            repositories = OciJson.DeserializeRepositories(repositoriesBytes.Span, "repositories");
        }

        if (!documents.ContainsKey("manifest.json") && index is null)
        {
            throw new InvalidArchiveException(
                entries.Count == 0 && links.Count == 0
                    ? "not a docker save or OCI archive: the archive is empty"
                    : "not a docker save or OCI archive: it has neither manifest.json nor index.json");
        }

        var contents = new DockerArchiveContents(manifests, index, repositories, entries, files, links, documents);

        // Links share the digest of their target, so a layer listed under a symlinked path resolves.
        foreach (var link in links.Keys)
        {
            if (files.TryGetValue(contents.ResolvePath(link), out var info))
            {
                files[link] = info;
            }
        }

        return contents;
    }
}
