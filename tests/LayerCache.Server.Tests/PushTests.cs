using System.Net;
using System.Net.Http.Headers;

namespace LayerCache.Server.Tests;

/// <summary>The spec's push workflow: monolithic, chunked (in order, 416 out of order), mount, manifests, and what is refused.</summary>
public sealed class PushTests
{
    [Fact]
    public async Task Monolithic_push_answers_201_with_location_and_digest()
    {
        await using var server = await TestServer.StartAsync();
        var blob = TestServer.RandomBytes(5000);
        var digest = TestServer.DigestOf(blob);

        var response = await server.PushBlobAsync("a/b", blob);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/v2/a/b/blobs/{digest}", response.Headers.Location?.OriginalString);
        Assert.Equal(digest.Value, TestServer.Header(response, "Docker-Content-Digest"));
        Assert.Equal(blob, await server.Client.GetByteArrayAsync($"/v2/a/b/blobs/{digest}"));
    }

    [Fact]
    public async Task Session_then_single_put_answers_202_then_201()
    {
        await using var server = await TestServer.StartAsync();
        var blob = TestServer.RandomBytes(70_000);
        var start = await server.Client.PostAsync("/v2/a/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!.OriginalString;
        Assert.StartsWith("/v2/a/blobs/uploads/", location, StringComparison.Ordinal);
        Assert.Equal("0-0", TestServer.Header(start, "Range"));

        var put = await server.Client.PutAsync($"{location}?digest={TestServer.DigestOf(blob)}", TestServer.Octets(blob));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal($"/v2/a/blobs/{TestServer.DigestOf(blob)}", put.Headers.Location?.OriginalString);
        Assert.Equal(blob, await server.Client.GetByteArrayAsync($"/v2/a/blobs/{TestServer.DigestOf(blob)}"));
    }

    [Fact]
    public async Task Chunked_push_answers_ranges_refuses_out_of_order_chunks_with_416_and_completes()
    {
        await using var server = await TestServer.StartAsync();
        var blob = TestServer.RandomBytes(300);
        var location = (await server.Client.PostAsync("/v2/a/blobs/uploads/", null)).Headers.Location!.OriginalString;

        var first = await PatchAsync(server, location, blob[..100], "0-99");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("0-99", TestServer.Header(first, "Range"));
        location = first.Headers.Location!.OriginalString;

        var skipped = await PatchAsync(server, location, blob[200..], "200-299");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, skipped.StatusCode);
        Assert.Equal("0-99", TestServer.Header(skipped, "Range"));

        var second = await PatchAsync(server, location, blob[100..200], "100-199");
        Assert.Equal("0-199", TestServer.Header(second, "Range"));
        var status = await server.Client.GetAsync(location);
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal("0-199", TestServer.Header(status, "Range"));

        var last = await PatchAsync(server, location, blob[200..], null);
        Assert.Equal("0-299", TestServer.Header(last, "Range"));
        var put = await server.Client.PutAsync($"{location}?digest={TestServer.DigestOf(blob)}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(blob, await server.Client.GetByteArrayAsync($"/v2/a/blobs/{TestServer.DigestOf(blob)}"));
    }

    [Fact]
    public async Task Cross_repository_mount_answers_201_when_the_blob_is_there_and_202_otherwise()
    {
        await using var server = await TestServer.StartAsync();
        var blob = TestServer.RandomBytes(100);
        await server.PushBlobAsync("src", blob);

        var mounted = await server.Client.PostAsync($"/v2/dst/blobs/uploads/?mount={TestServer.DigestOf(blob)}&from=src", null);
        Assert.Equal(HttpStatusCode.Created, mounted.StatusCode);
        Assert.Equal($"/v2/dst/blobs/{TestServer.DigestOf(blob)}", mounted.Headers.Location?.OriginalString);

        var missing = await server.Client.PostAsync($"/v2/dst/blobs/uploads/?mount={TestServer.DigestOf(TestServer.RandomBytes(5))}&from=src", null);
        Assert.Equal(HttpStatusCode.Accepted, missing.StatusCode);
    }

    [Fact]
    public async Task Manifest_push_answers_201_with_location_and_digest()
    {
        await using var server = await TestServer.StartAsync();
        var config = TestServer.RandomBytes(10);
        var layer = TestServer.RandomBytes(10);
        await server.PushBlobAsync("a", config);
        await server.PushBlobAsync("a", layer);
        var manifest = TestServer.Manifest(config, [layer]);
        var digest = TestServer.DigestOf(manifest);

        var byTag = await server.PutManifestAsync("a", "latest", manifest);
        var byDigest = await server.PutManifestAsync("a", digest.Value, manifest);

        Assert.Equal(HttpStatusCode.Created, byTag.StatusCode);
        Assert.Equal(HttpStatusCode.Created, byDigest.StatusCode);
        Assert.Equal($"/v2/a/manifests/{digest}", byTag.Headers.Location?.OriginalString);
        Assert.Equal(digest.Value, TestServer.Header(byTag, "Docker-Content-Digest"));
    }

    [Fact]
    public async Task Cancelled_upload_is_gone()
    {
        await using var server = await TestServer.StartAsync();
        var location = (await server.Client.PostAsync("/v2/a/blobs/uploads/", null)).Headers.Location!.OriginalString;
        await PatchAsync(server, location, TestServer.RandomBytes(10), null);

        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.DeleteAsync(location)).StatusCode);
        var after = await server.Client.GetAsync(location);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await TestServer.ErrorCodeAsync(after));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.StoreDirectory, "store", ".tmp")));
    }

    [Fact]
    public async Task Abandoned_uploads_are_purged_after_the_timeout()
    {
        await using var server = await TestServer.StartAsync(o => o with { UploadTimeout = TimeSpan.FromMilliseconds(300) });
        var location = (await server.Client.PostAsync("/v2/a/blobs/uploads/", null)).Headers.Location!.OriginalString;
        await PatchAsync(server, location, TestServer.RandomBytes(1000), null);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await server.Client.GetAsync(location)).StatusCode != HttpStatusCode.NotFound && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync(location)).StatusCode);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.StoreDirectory, "store", ".tmp")));
    }

    internal static Task<HttpResponseMessage> PatchAsync(TestServer server, string location, byte[] chunk, string? range)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = TestServer.Octets(chunk) };
        if (range is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Range", range);
        }

        return server.Client.SendAsync(request);
    }
}
