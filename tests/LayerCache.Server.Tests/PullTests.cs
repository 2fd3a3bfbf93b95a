using System.Net;
using System.Net.Http.Headers;
using LayerCache.Oci;

namespace LayerCache.Server.Tests;

/// <summary>The distribution spec's pull workflow: manifests and blobs, by tag and digest, HEAD and GET, ranges, misses.</summary>
public sealed class PullTests
{
    [Fact]
    public async Task Base_endpoint_answers_200_with_the_api_version()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", TestServer.Header(response, "Docker-Distribution-API-Version"));
    }

    [Theory]
    [InlineData("GET", "tag")]
    [InlineData("HEAD", "tag")]
    [InlineData("GET", "digest")]
    [InlineData("HEAD", "digest")]
    public async Task Manifest_by_tag_or_digest_answers_200_with_its_digest_type_and_length(string method, string by)
    {
        await using var server = await TestServer.StartAsync();
        var manifest = await server.PushImageAsync("team/app", "v1");
        var digest = TestServer.DigestOf(manifest);
        var reference = by == "tag" ? "v1" : digest.Value;

        var response = await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/v2/team/app/manifests/{reference}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(digest.Value, TestServer.Header(response, "Docker-Content-Digest"));
        Assert.Equal(MediaType.OciImageManifest, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(manifest.Length, response.Content.Headers.ContentLength);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(method == "GET" ? manifest : [], body);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task Blob_answers_200_with_digest_and_length(string method)
    {
        await using var server = await TestServer.StartAsync();
        var blob = TestServer.RandomBytes(300_000);
        Assert.Equal(HttpStatusCode.Created, (await server.PushBlobAsync("a/b", blob)).StatusCode);

        var response = await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/v2/a/b/blobs/{TestServer.DigestOf(blob)}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestServer.DigestOf(blob).Value, TestServer.Header(response, "Docker-Content-Digest"));
        Assert.Equal(blob.Length, response.Content.Headers.ContentLength);
        Assert.Equal(method == "GET" ? blob : [], await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(0L, 9L, 206)]
    [InlineData(100L, null, 206)]
    [InlineData(999L, 5000L, 206)]
    [InlineData(1000L, null, 416)]
    [InlineData(50L, 10L, 416)]
    public async Task Blob_range_answers_206_with_the_bytes_or_416(long from, long? to, int expected)
    {
        await using var server = await TestServer.StartAsync();
        var blob = TestServer.RandomBytes(1000);
        await server.PushBlobAsync("a/b", blob);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/a/b/blobs/{TestServer.DigestOf(blob)}");
        request.Headers.TryAddWithoutValidation("Range", $"bytes={from}-{to}");

        var response = await server.Client.SendAsync(request);

        Assert.Equal(expected, (int)response.StatusCode);
        if (expected == 206)
        {
            var end = Math.Min(to ?? 999, 999);
            Assert.Equal(blob[(int)from..((int)end + 1)], await response.Content.ReadAsByteArrayAsync());
            Assert.Equal($"bytes {from}-{end}/1000", TestServer.Header(response, "Content-Range"));
        }
        else
        {
            Assert.Equal("bytes */1000", TestServer.Header(response, "Content-Range"));
        }
    }

    [Theory]
    [InlineData("/v2/a/b/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000", 404, "BLOB_UNKNOWN")]
    [InlineData("/v2/a/b/manifests/nope", 404, "MANIFEST_UNKNOWN")]
    [InlineData("/v2/a/b/manifests/sha256:0000000000000000000000000000000000000000000000000000000000000000", 404, "MANIFEST_UNKNOWN")]
    [InlineData("/v2/a/b/blobs/sha256:xyz", 400, "DIGEST_INVALID")]
    [InlineData("/v2/a/b/blobs/md5:0000", 400, "DIGEST_INVALID")]
    [InlineData("/v2/a/b/manifests/-bad", 400, "TAG_INVALID")]
    [InlineData("/v2/a/b/tags/list", 404, "NAME_UNKNOWN")]
    public async Task Misses_and_malformed_references_answer_the_specs_error(string path, int status, string code)
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.GetAsync(path);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, await TestServer.ErrorCodeAsync(response));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_manifest_is_only_in_the_repository_it_was_pushed_to()
    {
        await using var server = await TestServer.StartAsync();
        var manifest = await server.PushImageAsync("one", "v1");
        var other = await server.Client.GetAsync($"/v2/two/manifests/{TestServer.DigestOf(manifest)}");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/v2/two/manifests/v1")).StatusCode);
    }

    [Fact]
    public async Task Docker_media_types_round_trip()
    {
        await using var server = await TestServer.StartAsync();
        var config = TestServer.RandomBytes(10);
        var layer = TestServer.RandomBytes(10);
        await server.PushBlobAsync("d", config);
        await server.PushBlobAsync("d", layer);
        var manifest = TestServer.Manifest(config, [layer], mediaType: MediaType.DockerManifest);
        Assert.Equal(HttpStatusCode.Created, (await server.PutManifestAsync("d", "v2", manifest, MediaType.DockerManifest)).StatusCode);
        var list = System.Text.Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"{MediaType.DockerManifestList}\",\"manifests\":[{{\"mediaType\":\"{MediaType.DockerManifest}\",\"digest\":\"{TestServer.DigestOf(manifest)}\",\"size\":{manifest.Length},\"platform\":{{\"architecture\":\"amd64\",\"os\":\"linux\"}}}}]}}");
        Assert.Equal(HttpStatusCode.Created, (await server.PutManifestAsync("d", "multi", list, MediaType.DockerManifestList)).StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Get, "/v2/d/manifests/multi");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaType.DockerManifestList));
        var response = await server.Client.SendAsync(request);
        Assert.Equal(MediaType.DockerManifestList, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(list, await response.Content.ReadAsByteArrayAsync());
    }
}
