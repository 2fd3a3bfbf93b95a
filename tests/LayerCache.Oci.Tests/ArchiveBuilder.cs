using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

/// <summary>Builds tar archives entry by entry, in the order given (as dockerd's lexical directory walk would).</summary>
internal sealed class ArchiveBuilder
{
    private readonly List<Action<TarWriter>> _entries = [];

    public ArchiveBuilder Directory(string name)
    {
        _entries.Add(w => w.WriteEntry(new UstarTarEntry(TarEntryType.Directory, name)));
        return this;
    }

    public ArchiveBuilder File(string name, byte[] content)
    {
        _entries.Add(w => w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) }));
        return this;
    }

    public ArchiveBuilder File(string name, string content) => File(name, Encoding.UTF8.GetBytes(content));

    public ArchiveBuilder Symlink(string name, string target)
    {
        _entries.Add(w => w.WriteEntry(new UstarTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target }));
        return this;
    }

    public ArchiveBuilder HardLink(string name, string target)
    {
        _entries.Add(w => w.WriteEntry(new UstarTarEntry(TarEntryType.HardLink, name) { LinkName = target }));
        return this;
    }

    public byte[] Build(bool gzip = false)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                entry(writer);
            }
        }

        return gzip ? SyntheticImage.Gzip(output.ToArray()) : output.ToArray();
    }

    /// <summary>
    /// A docker save archive exactly as dockerd 20.10 lays it out for <paramref name="image"/> tagged
    /// <paramref name="repoTag"/>, with one extra top layer identical to layer 0 that docker dedups
    /// by a symlink in a directory sorting before its target.
    /// </summary>
    public static (byte[] Archive, ImageConfig Config, byte[] ConfigBytes, IReadOnlyList<string> LayerPaths) Docker2010(SyntheticImage image, string repoTag)
    {
        var diffIds = image.Layers.Select(l => l.DiffId).Append(image.Layers[0].DiffId).ToList();
        var config = new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            Created = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
            RootFs = new RootFs { DiffIds = diffIds },
        };
        var configBytes = OciJson.Serialize(config);
        var configHex = Digest.Compute(configBytes).Hex;

        // Legacy v1 IDs are arbitrary 64-hex; the duplicate's directory sorts first ("000…").
        var ids = new[] { new string('b', 64), new string('c', 64), new string('0', 64) };
        var entries = new SortedDictionary<string, Action<ArchiveBuilder>>(StringComparer.Ordinal)
        {
            [configHex + ".json"] = b => b.File(configHex + ".json", configBytes),
        };
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            var layerIndex = i;
            entries[id + "/"] = b => b.Directory(id + "/");
            entries[id + "/VERSION"] = b => b.File(id + "/VERSION", "1.0");
            entries[id + "/json"] = b => b.File(id + "/json", $"{{\"id\":\"{id}\",\"created\":\"1970-01-01T00:00:00Z\"}}");
            entries[id + "/layer.tar"] = layerIndex < image.Layers.Count
                ? b => b.File(id + "/layer.tar", image.Layers[layerIndex].Tar)
                : b => b.Symlink(id + "/layer.tar", "../" + ids[0] + "/layer.tar");
        }

        var layerPaths = ids.Select(id => id + "/layer.tar").ToList();
        var manifest = "[{\"Config\":\"" + configHex + ".json\",\"RepoTags\":[\"" + repoTag + "\"],\"Layers\":[" + string.Join(',', layerPaths.Select(p => "\"" + p + "\"")) + "]}]\n";
        entries["manifest.json"] = b => b.File("manifest.json", manifest);
        var name = repoTag[..repoTag.LastIndexOf(':')];
        var tag = repoTag[(repoTag.LastIndexOf(':') + 1)..];
        entries["repositories"] = b => b.File("repositories", "{\"" + name + "\":{\"" + tag + "\":\"" + ids[^1] + "\"}}\n");

        var builder = new ArchiveBuilder();
        foreach (var add in entries.Values)
        {
            add(builder);
        }

        return (builder.Build(), config, configBytes, layerPaths);
    }
}
