using System.Net;
using LayerCache.Oci;

namespace LayerCache.Server.Tests;

/// <summary>
/// A blob is hashed the first time it is served, and served again without hashing only while its file
/// is the very one verified (same inode, size, change and write times): a copy changed on disk after
/// that, even with its old modification time put back, is verified again and never served as good.
/// </summary>
public sealed class VerifiedServingTests
{
    [Fact]
    public async Task A_blob_changed_in_place_after_it_was_served_is_verified_again()
    {
        await using var server = await TestServer.StartAsync();
        var content = TestServer.RandomBytes(3 << 20);
        var digest = TestServer.DigestOf(content);
        (await server.PushBlobAsync("app", content)).EnsureSuccessStatusCode();
        Assert.Equal(content, await server.Client.GetByteArrayAsync($"/v2/app/blobs/{digest}"));
        Assert.Equal(content, await server.Client.GetByteArrayAsync($"/v2/app/blobs/{digest}"));

        var path = Path.Combine(server.StoreDirectory, "store", "blobs", digest.AlgorithmName, digest.Hex);
        var written = File.GetLastWriteTimeUtc(path);
        await Task.Delay(50);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Seek(1 << 20, SeekOrigin.Begin);
            file.WriteByte((byte)(content[1 << 20] ^ 0xff));
        }

        File.SetLastWriteTimeUtc(path, written);

        byte[]? served = null;
        try
        {
            using var response = await server.Client.GetAsync($"/v2/app/blobs/{digest}", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            served = await response.Content.ReadAsByteArrayAsync();
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // The response ended short: the damage was found before the last bytes.
        }

        // The digest is checked before the last bytes go out: the response never completes.
        Assert.Null(served);
    }

    [Fact]
    public async Task A_range_of_a_verified_blob_is_served_from_its_offset()
    {
        await using var server = await TestServer.StartAsync();
        var content = TestServer.RandomBytes(2 << 20);
        var digest = TestServer.DigestOf(content);
        (await server.PushBlobAsync("app", content)).EnsureSuccessStatusCode();
        Assert.Equal(content, await server.Client.GetByteArrayAsync($"/v2/app/blobs/{digest}"));

        var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/app/blobs/{digest}");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(1_500_000, null);
        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(content.AsSpan(1_500_000).ToArray(), await response.Content.ReadAsByteArrayAsync());
    }
}
