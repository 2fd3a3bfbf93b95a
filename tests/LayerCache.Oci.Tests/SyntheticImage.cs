using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

/// <summary>A small image built in memory: gzip layers made with System.Formats.Tar, a config, a manifest.</summary>
internal sealed class SyntheticImage
{
    private SyntheticImage(IReadOnlyList<Layer> layers, byte[] config, ImageManifest manifest)
    {
        Layers = layers;
        Config = config;
        Manifest = manifest;
        ConfigDescriptor = manifest.Config;
    }

    public IReadOnlyList<Layer> Layers { get; }

    public byte[] Config { get; }

    public Descriptor ConfigDescriptor { get; }

    public ImageManifest Manifest { get; }

    public static SyntheticImage Create(int layerCount = 2, string seed = "x", bool gzip = true)
    {
        var layers = new List<Layer>();
        for (var i = 0; i < layerCount; i++)
        {
            var tar = MakeTar(new Dictionary<string, string>
            {
                [$"layer{i}/hello.txt"] = $"hello {seed} {i}\n",
                [$"layer{i}/data.bin"] = new string((char)('a' + i), 5000 + i),
            });
            var compressed = gzip ? Gzip(tar) : tar;
            layers.Add(new Layer(tar, compressed, DiffId.FromDigest(Digest.Compute(tar)), gzip ? MediaType.OciLayerGzip : MediaType.OciLayer));
        }

        var config = new ImageConfig
        {
            Created = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Architecture = "amd64",
            Os = "linux",
            Config = new ContainerConfig { Cmd = ["/bin/sh"], Env = ["PATH=/bin"] },
            RootFs = new RootFs { DiffIds = layers.Select(l => l.DiffId).ToList() },
            History = layers.Select((_, i) => new HistoryEntry { CreatedBy = $"COPY layer{i} /layer{i} # {seed}" }).ToList(),
        };
        var configBytes = OciJson.Serialize(config);
        var manifest = new ImageManifest
        {
            MediaType = MediaType.OciImageManifest,
            Config = new Descriptor { MediaType = MediaType.OciImageConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length },
            Layers = layers.Select(l => new Descriptor { MediaType = l.MediaType, Digest = l.Digest, Size = l.Blob.Length }).ToList(),
        };
        return new SyntheticImage(layers, configBytes, manifest);
    }

    public async Task<Descriptor> WriteToAsync(OciLayout layout, string refName, CancellationToken cancellationToken)
    {
        foreach (var layer in Layers)
        {
            await layout.WriteBlobAsync(new MemoryStream(layer.Blob), layer.Digest, layer.Blob.Length, cancellationToken);
        }

        await layout.WriteBlobAsync(Config, cancellationToken);
        var descriptor = await layout.WriteManifestAsync(Manifest, cancellationToken, Platform.LinuxAmd64);
        return await layout.TagAsync(refName, descriptor, cancellationToken);
    }

    public static byte[] MakeTar(IReadOnlyDictionary<string, string> files)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
                    ModificationTime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
                };
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    internal sealed record Layer(byte[] Tar, byte[] Blob, DiffId DiffId, string MediaType)
    {
        public Digest Digest => Digest.Compute(Blob);
    }
}
