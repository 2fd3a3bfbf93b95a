using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Server.Tests;

/// <summary>
/// The in-process bridge at the HTTP level: loopback only, its own token, manifests exposed by
/// digest in memory (the store's references untouched), pushes tagged in memory, and exposed layers
/// served only through the layer guard, with the failure reported to the bridge.
/// </summary>
public sealed class LocalStoreBridgeTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lc-bridge-").FullName;
    private FileSystemCacheStore _store = null!;

    public async Task InitializeAsync() => _store = await FileSystemCacheStore.OpenAsync(Path.Combine(_directory, "store"), CancellationToken.None);

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task It_listens_on_loopback_and_answers_only_its_token()
    {
        await using var bridge = await LocalStoreBridge.StartAsync(_store, CancellationToken.None);
        Assert.StartsWith("127.0.0.1:", bridge.Repository, StringComparison.Ordinal);
        Assert.EndsWith("/" + LocalStoreBridge.RepositoryName, bridge.Repository, StringComparison.Ordinal);
        using var anonymous = Client(bridge, null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/v2/{LocalStoreBridge.RepositoryName}/tags/list")).StatusCode);
        using var wrong = Client(bridge, "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync($"/v2/{LocalStoreBridge.RepositoryName}/tags/list")).StatusCode);
        using var client = Client(bridge, bridge.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/")).StatusCode);

        // The token is for the bridge's repository only.
        var other = await TestServer.PushBlobAsync(client, "someone/else", Encoding.UTF8.GetBytes("x"));
        Assert.True(other.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, $"{other.StatusCode}");
    }

    [Fact]
    public async Task An_exposed_manifest_is_pulled_by_digest_and_the_store_gains_no_reference()
    {
        var layer = await PlainTarAsync("hello.txt", "hello");
        var (manifest, bytes) = await WriteImageAsync(layer);
        var indexBefore = await File.ReadAllTextAsync(_store.IndexFilePath);
        await using var bridge = await LocalStoreBridge.StartAsync(_store, CancellationToken.None);
        using var client = Client(bridge, bridge.Token);
        var path = $"/v2/{LocalStoreBridge.RepositoryName}/manifests/{manifest.Digest}";
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);

        await bridge.ExposeAsync(manifest, [layer.Digest], CancellationToken.None);
        var got = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal(bytes, await got.Content.ReadAsByteArrayAsync());
        var blob = await client.GetAsync($"/v2/{LocalStoreBridge.RepositoryName}/blobs/{layer.Digest}");
        Assert.Equal(HttpStatusCode.OK, blob.StatusCode);
        Assert.Equal(layer.Content, await blob.Content.ReadAsByteArrayAsync());
        Assert.Null(bridge.ContentFailure);

        // A push is tagged in memory only.
        var pushed = await client.PutAsync($"/v2/{LocalStoreBridge.RepositoryName}/manifests/save-1", Manifest(bytes));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        Assert.Equal(manifest.Digest, (await bridge.ResolveTagAsync("save-1", CancellationToken.None))!.Digest);
        Assert.Equal(indexBefore, await File.ReadAllTextAsync(_store.IndexFilePath));
    }

    [Fact]
    public async Task An_exposed_layer_whose_content_is_gzip_is_refused_and_the_bridge_hears_why()
    {
        var tar = await PlainTarAsync("zeros", new string('\0', 4096));
        var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(tar.Content);
        }

        // Named as a plain tar whose bytes are gzip (digest = "DiffId"): the engine would inflate it.
        var layer = await WriteBlobAsync(compressed.ToArray());
        var (manifest, _) = await WriteImageAsync(layer);
        await using var bridge = await LocalStoreBridge.StartAsync(_store, CancellationToken.None);
        await bridge.ExposeAsync(manifest, [layer.Digest], CancellationToken.None);
        using var client = Client(bridge, bridge.Token);
        var failed = false;
        try
        {
            var response = await client.GetAsync($"/v2/{LocalStoreBridge.RepositoryName}/blobs/{layer.Digest}");
            failed = !response.IsSuccessStatusCode || (await response.Content.ReadAsByteArrayAsync()).Length < layer.Content.Length;
        }
        catch (HttpRequestException)
        {
            failed = true;
        }

        Assert.True(failed, "a refused layer must never arrive whole");
        var refusal = Assert.IsType<LayerContentRefusedException>(bridge.ContentFailure);
        Assert.Equal(layer.Digest, refusal.Layer);
        Assert.Contains("gzip", refusal.Message, StringComparison.Ordinal);

        // The same blob not exposed as a layer (any blob) is served as it is: the guard is for layers the engine extracts.
        await using var other = await LocalStoreBridge.StartAsync(_store, CancellationToken.None);
        using var plain = Client(other, other.Token);
        Assert.Equal(layer.Content, await plain.GetByteArrayAsync($"/v2/{LocalStoreBridge.RepositoryName}/blobs/{layer.Digest}"));
    }

    [Fact]
    public async Task A_blob_that_no_longer_matches_its_digest_is_reported_to_the_bridge()
    {
        var layer = await PlainTarAsync("data.bin", new string('a', 300_000));
        var (manifest, _) = await WriteImageAsync(layer);
        var path = Path.Combine(_store.DirectoryPath, "blobs", "sha256", layer.Digest.Hex);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x20;
        await File.WriteAllBytesAsync(path, bytes);

        await using var bridge = await LocalStoreBridge.StartAsync(_store, CancellationToken.None);
        await bridge.ExposeAsync(manifest, [layer.Digest], CancellationToken.None);
        using var client = Client(bridge, bridge.Token);
        await Assert.ThrowsAnyAsync<Exception>(() => client.GetByteArrayAsync($"/v2/{LocalStoreBridge.RepositoryName}/blobs/{layer.Digest}"));
        Assert.IsType<DigestMismatchException>(bridge.ContentFailure);
    }

    private static HttpClient Client(IStoreBridge bridge, string? token) => BridgeClient.Create(bridge, token);

    private static ByteArrayContent Manifest(byte[] bytes)
    {
        var body = new ByteArrayContent(bytes);
        body.Headers.ContentType = new MediaTypeHeaderValue(MediaType.OciImageManifest);
        return body;
    }

    private async Task<(Digest Digest, byte[] Content)> PlainTarAsync(string name, string text)
    {
        var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };
            await writer.WriteEntryAsync(entry);
        }

        return await WriteBlobAsync(tar.ToArray());
    }

    private async Task<(Digest Digest, byte[] Content)> WriteBlobAsync(byte[] content)
    {
        var digest = Digest.Compute(content);
        await _store.Blobs.WriteAsync(new MemoryStream(content), digest, content.Length, CancellationToken.None);
        return (digest, content);
    }

    private async Task<(Descriptor Manifest, byte[] Bytes)> WriteImageAsync((Digest Digest, byte[] Content) layer)
    {
        var config = Encoding.UTF8.GetBytes($$$"""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["{{{layer.Digest}}}"]}}""");
        var configBlob = await WriteBlobAsync(config);
        var manifest = Encoding.UTF8.GetBytes($$$"""{"schemaVersion":2,"mediaType":"{{{MediaType.OciImageManifest}}}","config":{"mediaType":"{{{MediaType.OciImageConfig}}}","digest":"{{{configBlob.Digest}}}","size":{{{config.Length}}}},"layers":[{"mediaType":"{{{MediaType.OciLayer}}}","digest":"{{{layer.Digest}}}","size":{{{layer.Content.Length}}}}]}""");
        var written = await WriteBlobAsync(manifest);
        return (new Descriptor { MediaType = MediaType.OciImageManifest, Digest = written.Digest, Size = manifest.Length }, manifest);
    }
}
