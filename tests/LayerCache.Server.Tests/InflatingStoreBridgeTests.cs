using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LayerCache.Oci;
using LayerCache.Store;
using LayerCache.Testing;

namespace LayerCache.Server.Tests;

/// <summary>
/// The bridge over a store that keeps gzip layers (a registry, here a directory holding gzip blobs, which
/// the bridge reads through the same interfaces): each layer is served as the plain tar it inflates to,
/// by its DiffId and recorded tar size, checked on its way out; manifests, configs and what the engine
/// pushes live in a private spool that goes with the bridge; offered layers count as present to a push.
/// </summary>
public sealed class InflatingStoreBridgeTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lc-ibridge-").FullName;
    private FileSystemCacheStore _store = null!;

    public async Task InitializeAsync() => _store = await FileSystemCacheStore.OpenAsync(Path.Combine(_directory, "store"), CancellationToken.None);

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_exposed_gzip_layer_is_served_inflated_by_its_DiffId_and_the_store_is_untouched()
    {
        var tar = Tar("app/main.txt", new string('x', 200_000));
        var layer = await GzipLayerAsync(tar, tar.Length);
        var (manifest, config) = Image(layer);
        var indexBefore = await File.ReadAllTextAsync(_store.IndexFilePath);
        var blobsBefore = Directory.GetFiles(Path.Combine(_store.DirectoryPath, "blobs", "sha256")).Length;
        await using var bridge = await InflatingStoreBridge.StartAsync(_store, CancellationToken.None);
        var pulled = await bridge.ExposeAsync(manifest, config, [layer], CancellationToken.None);
        Assert.NotEqual(manifest.Digest, pulled);
        using var client = Client(bridge);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v2/{LocalStoreBridge.RepositoryName}/manifests/{manifest.Digest}")).StatusCode);
        var got = await client.GetAsync($"/v2/{LocalStoreBridge.RepositoryName}/manifests/{pulled}");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        var served = OciJson.DeserializeManifest(await got.Content.ReadAsByteArrayAsync());
        var plain = Assert.Single(served.Layers);
        Assert.Equal((MediaType.OciLayer, layer.DiffId.Digest, (long)tar.Length), (plain.MediaType, plain.Digest, plain.Size));
        Assert.Equal(config, await client.GetByteArrayAsync($"/v2/{LocalStoreBridge.RepositoryName}/blobs/{served.Config.Digest}"));

        using var head = new HttpRequestMessage(HttpMethod.Head, $"/v2/{LocalStoreBridge.RepositoryName}/blobs/{layer.DiffId.Digest}");
        var stat = await client.SendAsync(head);
        Assert.Equal(HttpStatusCode.OK, stat.StatusCode);
        Assert.Equal(tar.Length, stat.Content.Headers.ContentLength);
        Assert.Equal(tar, await client.GetByteArrayAsync($"/v2/{LocalStoreBridge.RepositoryName}/blobs/{layer.DiffId.Digest}"));

        // A resumed download (a range to the end) gets the rest of the tar; the stored gzip blob itself is not served.
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/v2/{LocalStoreBridge.RepositoryName}/blobs/{layer.DiffId.Digest}");
        resume.Headers.Range = new RangeHeaderValue(150_000, null);
        var rest = await client.SendAsync(resume);
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal(tar[150_000..], await rest.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v2/{LocalStoreBridge.RepositoryName}/blobs/{layer.Stored.Digest}")).StatusCode);
        Assert.Null(bridge.ContentFailure);

        Assert.Equal(indexBefore, await File.ReadAllTextAsync(_store.IndexFilePath));
        Assert.Equal(blobsBefore, Directory.GetFiles(Path.Combine(_store.DirectoryPath, "blobs", "sha256")).Length);
    }

    [Fact]
    public async Task A_layer_that_inflates_to_another_DiffId_never_arrives_whole_and_the_bridge_hears_which_blob()
    {
        var tar = Tar("a.txt", new string('a', 100_000));
        var other = Tar("a.txt", new string('b', 100_000));
        var layer = await GzipLayerAsync(tar, tar.Length, claimedDiffId: DiffId.FromDigest(Digest.Compute(other)));
        var (manifest, config) = Image(layer);
        await using var bridge = await InflatingStoreBridge.StartAsync(_store, CancellationToken.None);
        await bridge.ExposeAsync(manifest, config, [layer], CancellationToken.None);
        using var client = Client(bridge);
        Assert.False(await ArrivesWholeAsync(client, layer.DiffId.Digest, tar.Length));
        var refusal = Assert.IsType<LayerContentRefusedException>(bridge.ContentFailure);
        Assert.Equal(layer.Stored.Digest, refusal.Layer);
    }

    [Fact]
    public async Task A_layer_it_cannot_serve_as_a_plain_tar_is_refused_before_anything_is_exposed()
    {
        var tar = Tar("a.txt", "a");
        var sized = await GzipLayerAsync(tar, tar.Length);
        var unsized = new LayerRecord(sized.DiffId, sized.Stored with { Annotations = null });
        var (manifest, config) = Image(unsized);
        await using var bridge = await InflatingStoreBridge.StartAsync(_store, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => bridge.ExposeAsync(manifest, config, [unsized], CancellationToken.None));
        Assert.Contains("no recorded tar size", refused.Message, StringComparison.Ordinal);
        using var client = Client(bridge);
        using var head = new HttpRequestMessage(HttpMethod.Head, $"/v2/{LocalStoreBridge.RepositoryName}/blobs/{unsized.DiffId.Digest}");
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(head)).StatusCode);
    }

    [Fact]
    public async Task A_wrong_recorded_tar_size_never_arrives_whole()
    {
        var tar = Tar("a.txt", new string('a', 100_000));
        foreach (var recorded in new long[] { tar.Length - 512, tar.Length + 512 })
        {
            var layer = await GzipLayerAsync(tar, recorded);
            var (manifest, config) = Image(layer);
            await using var bridge = await InflatingStoreBridge.StartAsync(_store, CancellationToken.None);
            await bridge.ExposeAsync(manifest, config, [layer], CancellationToken.None);
            using var client = Client(bridge);
            Assert.False(await ArrivesWholeAsync(client, layer.DiffId.Digest, recorded), $"recorded {recorded} for a {tar.Length}-byte tar");
        }
    }

    [Fact]
    public async Task A_decompression_bomb_is_refused_at_its_bound()
    {
        // 80 MB of zeros: above the 64 MB floor of the inflation bound, and about 80 KB gzip-compressed.
        var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        await using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "zeros") { DataStream = new ZeroStream(80L * 1024 * 1024) });
        }

        var bytes = compressed.ToArray();
        var stored = await WriteBlobAsync(bytes);
        var size = (80L * 1024 * 1024) + 4096;
        var layer = Record(DiffId.FromDigest(Digest.Compute(Encoding.UTF8.GetBytes("claimed"))), stored, bytes.Length, size);
        var (manifest, config) = Image(layer);
        await using var bridge = await InflatingStoreBridge.StartAsync(_store, CancellationToken.None);
        await bridge.ExposeAsync(manifest, config, [layer], CancellationToken.None);
        using var client = Client(bridge);
        Assert.False(await ArrivesWholeAsync(client, layer.DiffId.Digest, size));
        Assert.Contains("decompression bomb", Assert.IsType<LayerContentRefusedException>(bridge.ContentFailure).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_push_finds_offered_layers_present_and_lands_in_the_spool_which_goes_with_the_bridge()
    {
        var tar = Tar("deps.bin", new string('d', 50_000));
        var layer = await GzipLayerAsync(tar, tar.Length);
        var indexBefore = await File.ReadAllTextAsync(_store.IndexFilePath);
        var bridge = await InflatingStoreBridge.StartAsync(_store, CancellationToken.None);
        string spool;
        await using (bridge)
        {
            spool = bridge.SpoolDirectory;
            using var client = Client(bridge);
            var path = $"/v2/{LocalStoreBridge.RepositoryName}/blobs/{layer.DiffId.Digest}";
            using (var before = new HttpRequestMessage(HttpMethod.Head, path))
            {
                Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(before)).StatusCode);
            }

            bridge.Offer([layer]);
            using (var after = new HttpRequestMessage(HttpMethod.Head, path))
            {
                var stat = await client.SendAsync(after);
                Assert.Equal(HttpStatusCode.OK, stat.StatusCode);
                Assert.Equal(tar.Length, stat.Content.Headers.ContentLength);
            }

            // The engine's push: a new gzip layer and the config uploaded, the offered layer only named.
            var newTar = Tar("src.txt", "version 2");
            var newGzip = Gzip(newTar);
            Assert.Equal(HttpStatusCode.Created, (await TestServer.PushBlobAsync(client, LocalStoreBridge.RepositoryName, newGzip)).StatusCode);
            var config = Encoding.UTF8.GetBytes($$$"""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["{{{layer.DiffId}}}","{{{Digest.Compute(newTar)}}}"]}}""");
            Assert.Equal(HttpStatusCode.Created, (await TestServer.PushBlobAsync(client, LocalStoreBridge.RepositoryName, config)).StatusCode);
            var manifest = OciJson.SerializeWithDigest(new ImageManifest
            {
                MediaType = MediaType.DockerManifest,
                Config = new Descriptor { MediaType = MediaType.DockerConfig, Digest = Digest.Compute(config), Size = config.Length },
                Layers =
                [
                    new Descriptor { MediaType = MediaType.DockerLayerGzip, Digest = layer.DiffId.Digest, Size = tar.Length },
                    new Descriptor { MediaType = MediaType.DockerLayerGzip, Digest = Digest.Compute(newGzip), Size = newGzip.Length },
                ],
            });
            var body = new ByteArrayContent(manifest.Content.ToArray());
            body.Headers.ContentType = new MediaTypeHeaderValue(MediaType.DockerManifest);
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/v2/{LocalStoreBridge.RepositoryName}/manifests/save-1", body)).StatusCode);
            Assert.Equal(manifest.Digest, (await bridge.ResolveTagAsync("save-1", CancellationToken.None))!.Digest);

            Assert.True(await bridge.Pushed.ExistsAsync(Digest.Compute(newGzip), CancellationToken.None));
            Assert.False(await _store.Blobs.ExistsAsync(Digest.Compute(newGzip), CancellationToken.None));
            Assert.Equal(indexBefore, await File.ReadAllTextAsync(_store.IndexFilePath));
            Assert.True(Directory.Exists(spool));
        }

        Assert.False(Directory.Exists(spool), "the spool goes with the bridge");
    }

    private static HttpClient Client(IStoreBridge bridge) => BridgeClient.Create(bridge, bridge.Token);

    /// <summary>True when the layer's GET completes with exactly <paramref name="size"/> bytes (a refused one must not).</summary>
    private static async Task<bool> ArrivesWholeAsync(HttpClient client, Digest digest, long size)
    {
        try
        {
            var response = await client.GetAsync($"/v2/{LocalStoreBridge.RepositoryName}/blobs/{digest}");
            return response.IsSuccessStatusCode && (await response.Content.ReadAsByteArrayAsync()).Length == size;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static byte[] Tar(string name, string text)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
        }

        return tar.ToArray();
    }

    private static byte[] Gzip(byte[] content)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return compressed.ToArray();
    }

    private async Task<LayerRecord> GzipLayerAsync(byte[] tar, long recordedTarSize, DiffId? claimedDiffId = null)
    {
        var gzip = Gzip(tar);
        var stored = await WriteBlobAsync(gzip);
        return Record(claimedDiffId ?? DiffId.FromDigest(Digest.Compute(tar)), stored, gzip.Length, recordedTarSize);
    }

    private static LayerRecord Record(DiffId diffId, Digest stored, long storedSize, long tarSize) => new(diffId, new Descriptor
    {
        MediaType = MediaType.OciLayerGzip,
        Digest = stored,
        Size = storedSize,
        Annotations = new Dictionary<string, string> { [StoreAnnotations.LayerTarSize] = tarSize.ToString(CultureInfo.InvariantCulture) },
    });

    private async Task<Digest> WriteBlobAsync(byte[] content)
    {
        var digest = Digest.Compute(content);
        await _store.Blobs.WriteAsync(new MemoryStream(content), digest, content.Length, CancellationToken.None);
        return digest;
    }

    /// <summary>The stored image of one layer, as the bridge is given it: the stored manifest and the config.</summary>
    private static (SerializedDocument Manifest, byte[] Config) Image(LayerRecord layer)
    {
        var config = Encoding.UTF8.GetBytes($$$"""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["{{{layer.DiffId}}}"]}}""");
        return (OciJson.SerializeWithDigest(new ImageManifest
        {
            MediaType = MediaType.OciImageManifest,
            Config = new Descriptor { MediaType = MediaType.OciImageConfig, Digest = Digest.Compute(config), Size = config.Length },
            Layers = [layer.Stored],
        }), config);
    }
}
