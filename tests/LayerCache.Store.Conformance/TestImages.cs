using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Store.Conformance;

/// <summary>Builds small real images (tar layers, config, OCI manifest) into a blob store.</summary>
public static class TestImages
{
    /// <summary>An uncompressed tar with one file per entry of <paramref name="files"/>.</summary>
    public static byte[] Layer(params (string Name, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    ModificationTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                };
                writer.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>A layer whose content is unique to <paramref name="seed"/>.</summary>
    public static byte[] Layer(string seed) => Layer(($"files/{seed}.txt", $"content of {seed}\n"));

    /// <summary>Writes the layers, a linux/amd64 config and an OCI manifest; returns the stage to put in an entry.</summary>
    public static Task<StageImage> AddImageAsync(IBlobStore blobs, string stage, IEnumerable<byte[]> layers, CancellationToken cancellationToken = default) =>
        AddImageAsync(blobs, stage, layers, gzip: false, cancellationToken);

    /// <summary>As above, with the layers stored gzip-compressed (media type <c>…tar+gzip</c>) when <paramref name="gzip"/>.</summary>
    public static async Task<StageImage> AddImageAsync(IBlobStore blobs, string stage, IEnumerable<byte[]> layers, bool gzip, CancellationToken cancellationToken = default)
    {
        var layerDescriptors = new List<Descriptor>();
        var diffIds = new List<DiffId>();
        foreach (var layer in layers)
        {
            var blob = gzip ? Gzip(layer) : layer;
            var written = await WriteAsync(blobs, blob, cancellationToken);
            layerDescriptors.Add(new Descriptor { MediaType = gzip ? MediaType.OciLayerGzip : MediaType.OciLayer, Digest = written.Digest, Size = written.Size });
            diffIds.Add(DiffId.FromDigest(Digest.Compute(layer)));
        }

        var config = OciJson.SerializeWithDigest(new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            Created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            RootFs = new RootFs { DiffIds = diffIds },
        });
        await WriteAsync(blobs, config.Content.ToArray(), cancellationToken);
        var manifest = OciJson.SerializeWithDigest(new ImageManifest
        {
            MediaType = MediaType.OciImageManifest,
            Config = config.ToDescriptor(),
            Layers = layerDescriptors,
        });
        await WriteAsync(blobs, manifest.Content.ToArray(), cancellationToken);
        return new StageImage { Name = stage, ManifestDigest = manifest.Digest };
    }

    /// <summary>Writes one stage image with one unique layer per seed.</summary>
    public static Task<StageImage> AddImageAsync(IBlobStore blobs, string stage, params string[] layerSeeds) =>
        AddImageAsync(blobs, stage, layerSeeds.Select(Layer));

    /// <summary>An entry for <paramref name="scope"/> with the given stages and all metadata filled in.</summary>
    public static CacheEntry Entry(string scope, DateTimeOffset created, params StageImage[] stages) => new()
    {
        Scope = CacheScope.Parse(scope),
        Created = created,
        Key = Digest.Compute(Encoding.UTF8.GetBytes($"key {scope} {created:O}")),
        Stages = stages,
        BaseImages = new Dictionary<string, Digest>
        {
            ["docker.io/library/busybox:1.36"] = Digest.Compute("busybox"u8),
            ["mcr.microsoft.com/dotnet/sdk:10.0"] = Digest.Compute("sdk"u8),
        },
        DockerfileDigest = Digest.Compute("FROM busybox"u8),
        BuildArgsDigest = Digest.Compute("A=1"u8),
        KeyFiles = new Dictionary<string, Digest> { ["package-lock.json"] = Digest.Compute("{}"u8) },
        Builder = "buildkit",
        Target = stages.Length > 0 ? stages[^1].Name : null,
    };

    /// <summary>gzip of <paramref name="content"/>.</summary>
    public static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }

    private static async Task<BlobInfo> WriteAsync(IBlobStore blobs, byte[] content, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(content, writable: false);
        return await blobs.WriteAsync(stream, Digest.Compute(content), content.Length, cancellationToken);
    }
}
