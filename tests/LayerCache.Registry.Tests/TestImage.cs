using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using LayerCache.Oci;
using LayerCache.Registry.Client;

namespace LayerCache.Registry.Tests;

/// <summary>A small real image (a gzip layer holding one file, an OCI config, a manifest) pushed with the client.</summary>
internal sealed record TestImage(byte[] Layer, Descriptor LayerDescriptor, byte[] Config, Descriptor ConfigDescriptor, SerializedDocument Manifest)
{
    public static TestImage Create(string content, bool docker = false)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "hello.txt") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)), ModificationTime = DateTimeOffset.UnixEpoch };
            writer.WriteEntry(entry);
        }

        var diffId = Digest.Compute(tar.ToArray());
        using var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(tar.ToArray());
        }

        var layer = gz.ToArray();
        var config = Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["{{diffId}}"]},"history":[{"created_by":"test {{content.Length}}"}]}""");
        var layerDescriptor = new Descriptor { MediaType = docker ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip, Digest = Digest.Compute(layer), Size = layer.Length };
        var configDescriptor = new Descriptor { MediaType = docker ? MediaType.DockerConfig : MediaType.OciImageConfig, Digest = Digest.Compute(config), Size = config.Length };
        var manifest = OciJson.SerializeWithDigest(new ImageManifest
        {
            MediaType = docker ? MediaType.DockerManifest : MediaType.OciImageManifest,
            Config = configDescriptor,
            Layers = [layerDescriptor],
        });
        return new TestImage(layer, layerDescriptor, config, configDescriptor, manifest);
    }

    public async Task PushAsync(RegistryClient client, string repository, string tag, CancellationToken cancellationToken)
    {
        await client.PushBlobAsync(repository, LayerDescriptor.Digest, Layer.Length, _ => Task.FromResult<Stream>(new MemoryStream(Layer)), null, cancellationToken);
        await client.PushBlobAsync(repository, ConfigDescriptor.Digest, Config.Length, _ => Task.FromResult<Stream>(new MemoryStream(Config)), null, cancellationToken);
        await client.PutManifestAsync(repository, tag, Manifest.MediaType, Manifest.Content, cancellationToken);
    }
}
