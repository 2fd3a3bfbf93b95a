using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using LayerCache.Oci;
using LayerCache.Server;

namespace LayerCache.Server.Tests;

/// <summary>A server over a fresh directory store on a free loopback port, and a client for it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(RunningServer server, string directory, StringWriter log)
    {
        Server = server;
        StoreDirectory = directory;
        Log = log;
        Client = new HttpClient { BaseAddress = server.Address };
    }

    public RunningServer Server { get; }

    public string StoreDirectory { get; }

    public StringWriter Log { get; }

    public HttpClient Client { get; }

    public string HostPort => $"{Server.Address.Host}:{Server.Address.Port}";

    public static async Task<TestServer> StartAsync(Func<ServerOptions, ServerOptions>? configure = null)
    {
        var directory = Directory.CreateTempSubdirectory("lc-serve-").FullName;
        var log = new StringWriter();
        var options = new ServerOptions { StorePath = Path.Combine(directory, "store"), Listen = "127.0.0.1:0", Log = TextWriter.Synchronized(log) };
        var server = await RegistryServer.StartAsync(configure is null ? options : configure(options), CancellationToken.None);
        return new TestServer(server, directory, log);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(StoreDirectory, recursive: true);
    }

    public static byte[] RandomBytes(int count) => RandomNumberGenerator.GetBytes(count);

    public static Digest DigestOf(byte[] content) => Digest.Compute(content);

    /// <summary>Monolithic push; returns the response.</summary>
    public Task<HttpResponseMessage> PushBlobAsync(string repository, byte[] content) => PushBlobAsync(Client, repository, content);

    public static Task<HttpResponseMessage> PushBlobAsync(HttpClient client, string repository, byte[] content) =>
        client.PostAsync($"/v2/{repository}/blobs/uploads/?digest={DigestOf(content)}", Octets(content));

    public static ByteArrayContent Octets(byte[] content)
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return body;
    }

    /// <summary>An image manifest over a config and layers (pushed or not), serialized.</summary>
    public static byte[] Manifest(byte[] config, byte[][] layers, Digest? subject = null, string? artifactType = null, string mediaType = MediaType.OciImageManifest)
    {
        var text = new StringBuilder();
        text.Append($"{{\"schemaVersion\":2,\"mediaType\":\"{mediaType}\",");
        if (artifactType is not null)
        {
            text.Append($"\"artifactType\":\"{artifactType}\",");
        }

        text.Append($"\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{DigestOf(config)}\",\"size\":{config.Length}}},\"layers\":[");
        text.Append(string.Join(",", layers.Select(l => $"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{DigestOf(l)}\",\"size\":{l.Length}}}")));
        text.Append(']');
        if (subject is { } s)
        {
            text.Append($",\"subject\":{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{s}\",\"size\":1}}");
            text.Append(",\"annotations\":{\"org.example.note\":\"referrer\"}");
        }

        text.Append('}');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public Task<HttpResponseMessage> PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType = MediaType.OciImageManifest) =>
        PutManifestAsync(Client, repository, reference, manifest, mediaType);

    public static Task<HttpResponseMessage> PutManifestAsync(HttpClient client, string repository, string reference, byte[] manifest, string mediaType = MediaType.OciImageManifest)
    {
        var body = new ByteArrayContent(manifest);
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return client.PutAsync($"/v2/{repository}/manifests/{reference}", body);
    }

    /// <summary>Pushes a config, one layer and a manifest tagged <paramref name="tag"/>; returns the manifest bytes.</summary>
    public Task<byte[]> PushImageAsync(string repository, string tag, int layerSize = 1000) => PushImageAsync(Client, repository, tag, layerSize);

    public static async Task<byte[]> PushImageAsync(HttpClient client, string repository, string tag, int layerSize = 1000)
    {
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}" + new string(' ', RandomNumberGenerator.GetInt32(100)));
        var layer = RandomBytes(layerSize);
        (await PushBlobAsync(client, repository, config)).EnsureSuccessStatusCode();
        (await PushBlobAsync(client, repository, layer)).EnsureSuccessStatusCode();
        var manifest = Manifest(config, [layer]);
        (await PutManifestAsync(client, repository, tag, manifest)).EnsureSuccessStatusCode();
        return manifest;
    }

    /// <summary>The error code of an error envelope.</summary>
    public static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        return LayerCache.Registry.ErrorEnvelope.Parse(body) is [var first, ..] ? first.Code : null;
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First()
        : response.Content.Headers.TryGetValues(name, out var content) ? content.First() : null;
}
