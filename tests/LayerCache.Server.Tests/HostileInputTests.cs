using System.Net;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Server.Tests;

/// <summary>Hostile input: bad digests, wrong and truncated content, oversized manifests, missing blobs, path tricks → the spec's error, nothing stored.</summary>
public sealed class HostileInputTests
{
    [Fact]
    public async Task Monolithic_push_with_the_wrong_digest_answers_DIGEST_INVALID_and_stores_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var blob = TestServer.RandomBytes(1000);
        var claimed = TestServer.DigestOf(TestServer.RandomBytes(1000));
        var response = await server.Client.PostAsync($"/v2/a/blobs/uploads/?digest={claimed}", TestServer.Octets(blob));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await TestServer.ErrorCodeAsync(response));
        AssertNoBlobs(server);
    }

    [Fact]
    public async Task Chunked_push_closed_with_the_wrong_digest_answers_DIGEST_INVALID_and_stores_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var location = (await server.Client.PostAsync("/v2/a/blobs/uploads/", null)).Headers.Location!.OriginalString;
        await PushTests.PatchAsync(server, location, TestServer.RandomBytes(500), "0-499");
        var response = await server.Client.PutAsync($"{location}?digest={TestServer.DigestOf(TestServer.RandomBytes(3))}", null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await TestServer.ErrorCodeAsync(response));
        AssertNoBlobs(server);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.StoreDirectory, "store", ".tmp")));
    }

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("sha256:ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ")]
    [InlineData("nope")]
    public async Task A_malformed_digest_answers_DIGEST_INVALID(string digest)
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.PostAsync($"/v2/a/blobs/uploads/?digest={digest}", TestServer.Octets([1, 2, 3]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await TestServer.ErrorCodeAsync(response));
        AssertNoBlobs(server);
    }

    [Fact]
    public async Task A_truncated_upload_stores_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var blob = TestServer.RandomBytes(10_000);
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(server.Server.Address.Host, server.Server.Address.Port);
            var stream = client.GetStream();
            var head = $"POST /v2/a/blobs/uploads/?digest={TestServer.DigestOf(blob)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: {blob.Length}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(blob.AsMemory(0, 4000));
            await stream.FlushAsync();
        }

        await Task.Delay(500);
        AssertNoBlobs(server);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.StoreDirectory, "store", ".tmp")));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v2/")).StatusCode);
    }

    [Fact]
    public async Task A_manifest_referencing_missing_blobs_answers_MANIFEST_BLOB_UNKNOWN_and_stores_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var config = TestServer.RandomBytes(10);
        await server.PushBlobAsync("a", config);
        var manifest = TestServer.Manifest(config, [TestServer.RandomBytes(10)]);

        var response = await server.PutManifestAsync("a", "v1", manifest);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("MANIFEST_BLOB_UNKNOWN", await TestServer.ErrorCodeAsync(response));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/v2/a/manifests/v1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"/v2/a/blobs/{TestServer.DigestOf(manifest)}")).StatusCode);
    }

    [Fact]
    public async Task An_oversized_manifest_answers_413_and_stores_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var huge = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"annotations\":{\"x\":\"" + new string('a', 4 * 1024 * 1024) + "\"}}");
        var response = await server.PutManifestAsync("a", "v1", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("MANIFEST_INVALID", await TestServer.ErrorCodeAsync(response));
        AssertNoBlobs(server);
    }

    [Theory]
    [InlineData("{not json", MediaType.OciImageManifest, "MANIFEST_INVALID")]
    [InlineData("{\"schemaVersion\":2,\"layers\":[]}", MediaType.OciImageManifest, "MANIFEST_INVALID")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}", MediaType.OciImageManifest, "MANIFEST_INVALID")]
    [InlineData("{}", "text/plain", "MANIFEST_INVALID")]
    public async Task A_malformed_manifest_answers_MANIFEST_INVALID(string body, string mediaType, string code)
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.PutManifestAsync("a", "v1", Encoding.UTF8.GetBytes(body), mediaType);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, await TestServer.ErrorCodeAsync(response));
        AssertNoBlobs(server);
    }

    [Fact]
    public async Task A_manifest_put_by_digest_whose_content_differs_answers_DIGEST_INVALID()
    {
        await using var server = await TestServer.StartAsync();
        var config = TestServer.RandomBytes(10);
        await server.PushBlobAsync("a", config);
        var manifest = TestServer.Manifest(config, []);
        var response = await server.PutManifestAsync("a", TestServer.DigestOf(config).Value, manifest);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await TestServer.ErrorCodeAsync(response));
    }

    [Theory]
    [InlineData("/v2/../../etc/tags/list")]
    [InlineData("/v2/%2e%2e/%2e%2e/etc/tags/list")]
    [InlineData("/v2/a%2Fb/tags/list")]
    [InlineData("/v2//etc/passwd/tags/list")]
    [InlineData("/v2/a/../b/tags/list")]
    [InlineData("/v2/UPPER/tags/list")]
    [InlineData("/v2/a..b/tags/list")]
    [InlineData("/v2/-a/tags/list")]
    [InlineData("/v2/a/blobs/uploads/../../../x")]
    public async Task Path_tricks_in_names_answer_NAME_INVALID(string target)
    {
        await using var server = await TestServer.StartAsync();
        var (status, response) = await RawHttp.SendAsync(server.Server.Address, "GET", target);
        Assert.True(status is 400 or 404, response);
        Assert.Contains(status == 400 ? "NAME_INVALID" : "\"code\"", response, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(server.StoreDirectory, "etc")));
    }

    [Fact]
    public async Task A_name_over_255_characters_answers_NAME_INVALID()
    {
        await using var server = await TestServer.StartAsync();
        var name = string.Join("/", Enumerable.Repeat("abcdefghij", 26));
        var response = await server.Client.GetAsync($"/v2/{name}/tags/list");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("NAME_INVALID", await TestServer.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task An_upload_id_of_another_repository_is_unknown()
    {
        await using var server = await TestServer.StartAsync();
        var location = (await server.Client.PostAsync("/v2/mine/blobs/uploads/", null)).Headers.Location!.OriginalString;
        var id = location[(location.LastIndexOf('/') + 1)..];
        var response = await PushTests.PatchAsync(server, $"/v2/theirs/blobs/uploads/{id}", [1], null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await TestServer.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Upload_sessions_past_the_limit_answer_429()
    {
        await using var server = await TestServer.StartAsync(o => o with { MaxUploads = 3 });
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await server.Client.PostAsync("/v2/a/blobs/uploads/", null)).StatusCode);
        }

        var refused = await server.Client.PostAsync("/v2/a/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("TOOMANYREQUESTS", await TestServer.ErrorCodeAsync(refused));
    }

    private static void AssertNoBlobs(TestServer server)
    {
        var blobs = Path.Combine(server.StoreDirectory, "store", "blobs");
        Assert.Empty(Directory.Exists(blobs) ? Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories) : []);
    }
}
