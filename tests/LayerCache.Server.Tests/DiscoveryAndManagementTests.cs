using System.Net;
using System.Text.Json;
using LayerCache.Oci;

namespace LayerCache.Server.Tests;

/// <summary>The spec's content discovery (tags list with n/last and Link, referrers) and content management (deletes) workflows.</summary>
public sealed class DiscoveryAndManagementTests
{
    [Theory]
    [InlineData("", "a,b,c,d", null)]
    [InlineData("?n=2", "a,b", "</v2/repo/tags/list?n=2&last=b>; rel=\"next\"")]
    [InlineData("?n=2&last=b", "c,d", null)]
    [InlineData("?last=c", "d", null)]
    [InlineData("?n=0", "", null)]
    [InlineData("?n=10", "a,b,c,d", null)]
    public async Task Tags_list_pages_with_n_and_last(string query, string expected, string? link)
    {
        await using var server = await TestServer.StartAsync();
        var manifest = await server.PushImageAsync("repo", "c");
        foreach (var tag in new[] { "a", "d", "b" })
        {
            await server.PutManifestAsync("repo", tag, manifest);
        }

        var response = await server.Client.GetAsync("/v2/repo/tags/list" + query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("repo", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(expected, string.Join(",", json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString())));
        Assert.Equal(link, response.Headers.TryGetValues("Link", out var values) ? values.Single() : null);
    }

    [Fact]
    public async Task Tags_list_refuses_a_bad_n()
    {
        await using var server = await TestServer.StartAsync();
        await server.PushImageAsync("repo", "c");
        var response = await server.Client.GetAsync("/v2/repo/tags/list?n=-1");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("PAGINATION_NUMBER_INVALID", await TestServer.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Referrers_lists_the_manifests_whose_subject_is_the_digest_with_their_annotations()
    {
        await using var server = await TestServer.StartAsync();
        var subject = TestServer.DigestOf(await server.PushImageAsync("r", "v1"));
        var config = "{}"u8.ToArray();
        await server.PushBlobAsync("r", config);
        var sbom = TestServer.Manifest(config, [], subject, "application/vnd.example.sbom");
        var signature = TestServer.Manifest(config, [], subject, "application/vnd.example.sig");
        var put = await server.PutManifestAsync("r", TestServer.DigestOf(sbom).Value, sbom);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(subject.Value, TestServer.Header(put, "OCI-Subject"));
        await server.PutManifestAsync("r", TestServer.DigestOf(signature).Value, signature);

        var all = await server.Client.GetAsync($"/v2/r/referrers/{subject}");
        var filtered = await server.Client.GetAsync($"/v2/r/referrers/{subject}?artifactType=application/vnd.example.sbom");
        var none = await server.Client.GetAsync($"/v2/r/referrers/{TestServer.DigestOf(config)}");

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal(MediaType.OciImageIndex, all.Content.Headers.ContentType?.MediaType);
        var index = OciJson.DeserializeIndex(await all.Content.ReadAsByteArrayAsync());
        Assert.Equal(new[] { TestServer.DigestOf(sbom), TestServer.DigestOf(signature) }.Order(), index.Manifests.Select(m => m.Digest).Order());
        Assert.All(index.Manifests, m => Assert.Equal("referrer", m.GetAnnotation("org.example.note")));
        var only = OciJson.DeserializeIndex(await filtered.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/vnd.example.sbom", Assert.Single(only.Manifests).ArtifactType);
        Assert.Equal("artifactType", TestServer.Header(filtered, "OCI-Filters-Applied"));
        Assert.Empty(OciJson.DeserializeIndex(await none.Content.ReadAsByteArrayAsync()).Manifests);
    }

    [Fact]
    public async Task Deleting_a_tag_keeps_the_manifest_by_digest_and_deleting_the_digest_removes_both()
    {
        await using var server = await TestServer.StartAsync();
        var manifest = await server.PushImageAsync("m", "v1");
        await server.PutManifestAsync("m", "v2", manifest);
        var digest = TestServer.DigestOf(manifest);

        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.DeleteAsync("/v2/m/manifests/v1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/v2/m/manifests/v1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"/v2/m/manifests/{digest}")).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.DeleteAsync($"/v2/m/manifests/{digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"/v2/m/manifests/{digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/v2/m/manifests/v2")).StatusCode);
        var again = await server.Client.DeleteAsync($"/v2/m/manifests/{digest}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", await TestServer.ErrorCodeAsync(again));
    }

    [Fact]
    public async Task Deleting_a_blob_answers_202_then_404()
    {
        await using var server = await TestServer.StartAsync();
        var blob = TestServer.RandomBytes(10);
        await server.PushBlobAsync("b", blob);
        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.DeleteAsync($"/v2/b/blobs/{TestServer.DigestOf(blob)}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"/v2/b/blobs/{TestServer.DigestOf(blob)}")).StatusCode);
        var again = await server.Client.DeleteAsync($"/v2/b/blobs/{TestServer.DigestOf(blob)}");
        Assert.Equal("BLOB_UNKNOWN", await TestServer.ErrorCodeAsync(again));
    }
}
