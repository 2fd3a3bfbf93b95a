using System.Security.Cryptography;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Testing;

namespace LayerCache.Registry.Tests;

/// <summary>The client against a real, open Distribution registry over plain HTTP on 127.0.0.1, with skopeo as the second client.</summary>
public sealed class PlainRegistryTests(PrivateRegistry registry) : IClassFixture<PrivateRegistry>
{
    private static CancellationToken Token => TestContext.Token;

    private RegistryClient Client(int maxRetries = 2) => new(new RegistryClientOptions { Registry = registry.Address, MaxRetries = maxRetries, RetryDelay = TimeSpan.FromMilliseconds(20) });

    [Fact]
    public async Task Ping_uses_plain_http_on_loopback()
    {
        using var client = Client();
        var ping = await client.PingAsync(Token);
        Assert.Equal("http", ping.BaseUri.Scheme);
        Assert.Equal("registry/2.0", ping.ApiVersion);
        Assert.Empty(ping.Challenges);
    }

    [Fact]
    public async Task Pushed_image_is_read_back_and_skopeo_reads_it()
    {
        using var client = Client();
        var image = TestImage.Create("pushed by the client");
        await image.PushAsync(client, "it/app", "v1", Token);

        var head = await client.HeadManifestAsync("it/app", "v1", Token);
        Assert.NotNull(head);
        Assert.Equal(image.Manifest.Digest, head.Digest);
        Assert.Equal(MediaType.OciImageManifest, head.MediaType);
        Assert.Equal(image.Manifest.Size, head.Size);

        var manifest = await client.GetManifestAsync("it/app", image.Manifest.Digest.Value, Token);
        Assert.NotNull(manifest);
        Assert.Equal(image.Manifest.Content.ToArray(), manifest.Content.ToArray());
        Assert.Equal(image.LayerDescriptor.Digest, manifest.AsManifest().Layers[0].Digest);

        await using (var blob = await client.OpenBlobAsync("it/app", image.LayerDescriptor.Digest, image.Layer.Length, Token))
        {
            using var copy = new MemoryStream();
            await blob.CopyToAsync(copy, Token);
            Assert.True(blob.IsVerified);
            Assert.Equal(image.Layer, copy.ToArray());
        }

        var inspect = await Skopeo.InspectAsync($"docker://{registry.Address}/it/app:v1", ["--tls-verify=false"], raw: false, Token);
        Assert.Equal(image.Manifest.Digest.Value, inspect.GetProperty("Digest").GetString());
        Assert.Equal(image.LayerDescriptor.Digest.Value, inspect.GetProperty("Layers")[0].GetString());

        // skopeo copy verifies every blob it fetches against its digest.
        var target = Path.Combine(registry.Root, "copy-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        await Skopeo.RunAsync(["copy", "--src-tls-verify=false", $"docker://{registry.Address}/it/app:v1", $"oci:{target}:v1"], Token);
        Assert.True(File.Exists(Path.Combine(target, "blobs", "sha256", image.LayerDescriptor.Digest.Hex)));
    }

    [Fact]
    public async Task Push_only_if_new_never_opens_the_content_of_a_blob_the_registry_has()
    {
        using var client = Client();
        var image = TestImage.Create("only if new");
        var opened = 0;
        Task<Stream> Open(CancellationToken _)
        {
            opened++;
            return Task.FromResult<Stream>(new MemoryStream(image.Layer));
        }

        Assert.Equal(BlobPushOutcome.Uploaded, await client.PushBlobAsync("it/new", image.LayerDescriptor.Digest, image.Layer.Length, Open, null, Token));
        Assert.Equal(1, opened);
        Assert.Equal(BlobPushOutcome.Existed, await client.PushBlobAsync("it/new", image.LayerDescriptor.Digest, image.Layer.Length, Open, null, Token));
        Assert.Equal(1, opened);
        Assert.Equal(image.Layer.Length, await client.HeadBlobAsync("it/new", image.LayerDescriptor.Digest, Token));
    }

    [Fact]
    public async Task Chunked_upload_of_a_large_blob_streams_and_verifies()
    {
        using var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address, ChunkSize = 1024 * 1024 + 7 });
        const long size = 5L * 1024 * 1024 + 123;
        var digest = await Digest.ComputeAsync(new PatternStream(size), Token);
        var outcome = await client.PushBlobAsync("it/chunked", digest, size, _ => Task.FromResult<Stream>(new PatternStream(size)), new BlobUploadOptions { Chunked = true }, Token);
        Assert.Equal(BlobPushOutcome.Uploaded, outcome);
        await using var blob = await client.OpenBlobAsync("it/chunked", digest, size, Token);
        await blob.VerifyToEndAsync(Token);
        Assert.Equal(size, blob.BytesRead);
    }

    [Fact]
    public async Task Content_that_does_not_match_its_digest_is_refused_and_nothing_lands()
    {
        using var client = Client();
        var claimed = Digest.Compute("what we claim"u8);
        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PushBlobAsync(
            "it/bad", claimed, 13, _ => Task.FromResult<Stream>(new MemoryStream("something else"u8.ToArray()[..13])), null, Token));
        Assert.Equal(RegistryErrorKind.Corrupt, error.Kind);
        Assert.Null(await client.HeadBlobAsync("it/bad", claimed, Token));
    }

    [Fact]
    public async Task Cross_repository_mount_moves_no_bytes()
    {
        using var client = Client();
        var image = TestImage.Create("mount me");
        await image.PushAsync(client, "it/source", "v1", Token);
        var outcome = await client.PushBlobAsync(
            "it/target", image.LayerDescriptor.Digest, image.Layer.Length,
            _ => throw new InvalidOperationException("a mount must not open the content"),
            new BlobUploadOptions { MountFrom = "it/source" }, Token);
        Assert.Equal(BlobPushOutcome.Mounted, outcome);
        Assert.Equal(image.Layer.Length, await client.HeadBlobAsync("it/target", image.LayerDescriptor.Digest, Token));
    }

    [Fact]
    public async Task Tags_are_listed_across_pages()
    {
        using var client = Client();
        var image = TestImage.Create("tags");
        var tags = Enumerable.Range(0, 7).Select(i => $"t{i}").ToArray();
        foreach (var tag in tags)
        {
            await image.PushAsync(client, "it/tags", tag, Token);
        }

        var listed = new List<string>();
        await foreach (var tag in client.ListTagsAsync("it/tags", pageSize: 2, Token))
        {
            listed.Add(tag);
        }

        Assert.Equal(tags, listed.Order());
        Assert.Empty(await ToListAsync(client.ListTagsAsync("it/never-pushed", 0, Token)));
    }

    [Fact]
    public async Task Missing_things_are_null_or_typed_not_found()
    {
        using var client = Client();
        var nothing = Digest.Compute("nothing here"u8);
        Assert.Null(await client.HeadManifestAsync("it/missing", "latest", Token));
        Assert.Null(await client.GetManifestAsync("it/missing", nothing.Value, Token));
        Assert.Null(await client.HeadBlobAsync("it/missing", nothing, Token));
        var error = await Assert.ThrowsAsync<RegistryException>(() => client.OpenBlobAsync("it/missing", nothing, null, Token));
        Assert.Equal(RegistryErrorKind.NotFound, error.Kind);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains(error.Errors, e => e.Code == RegistryErrorCode.BlobUnknown.Name);
    }

    [Fact]
    public async Task Manifest_referencing_a_missing_blob_is_invalid_with_the_distribution_code()
    {
        using var client = Client();
        var image = TestImage.Create("never uploaded");
        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PutManifestAsync("it/incomplete", "v1", image.Manifest.MediaType, image.Manifest.Content, Token));
        Assert.Equal(RegistryErrorKind.Invalid, error.Kind);
        Assert.True(error.Has(RegistryErrorCode.ManifestBlobUnknown), error.Message);
    }

    [Fact]
    public async Task Manifests_and_blobs_are_deleted()
    {
        using var client = Client();
        var image = TestImage.Create("delete me");
        await image.PushAsync(client, "it/delete", "v1", Token);
        Assert.True(await client.DeleteManifestAsync("it/delete", image.Manifest.Digest, Token));
        Assert.Null(await client.HeadManifestAsync("it/delete", image.Manifest.Digest.Value, Token));
        Assert.True(await client.DeleteBlobAsync("it/delete", image.LayerDescriptor.Digest, Token));
        Assert.Null(await client.HeadBlobAsync("it/delete", image.LayerDescriptor.Digest, Token));
        Assert.False(await client.DeleteBlobAsync("it/delete", image.LayerDescriptor.Digest, Token));
    }

    [Fact]
    public async Task An_index_resolves_to_the_platform_manifest()
    {
        using var client = Client();
        var amd64 = TestImage.Create("amd64 image");
        var arm64 = TestImage.Create("arm64 image!");
        await amd64.PushAsync(client, "it/multi", "amd64", Token);
        await arm64.PushAsync(client, "it/multi", "arm64", Token);
        var index = OciJson.SerializeWithDigest(new ImageIndex
        {
            MediaType = MediaType.OciImageIndex,
            Manifests = [amd64.Manifest.ToDescriptor(Platform.LinuxAmd64), arm64.Manifest.ToDescriptor(Platform.LinuxArm64)],
        });
        await client.PutManifestAsync("it/multi", "latest", index.MediaType, index.Content, Token);

        var resolved = await client.ResolveAsync("it/multi", "latest", Platform.LinuxArm64, Token);
        Assert.NotNull(resolved);
        Assert.Equal(arm64.Manifest.Digest, resolved.Manifest.Digest);
        Assert.Equal(index.Digest, resolved.Index?.Digest);

        var single = await client.ResolveAsync("it/multi", "amd64", Platform.LinuxArm64, Token);
        Assert.Equal(amd64.Manifest.Digest, single?.Manifest.Digest);
        Assert.Null(single?.Index);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync("it/multi", "latest", Platform.Parse("linux/s390x"), Token));
        Assert.Equal(RegistryErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task Docker_media_types_round_trip()
    {
        using var client = Client();
        var image = TestImage.Create("docker types", docker: true);
        await image.PushAsync(client, "it/docker", "v1", Token);
        var head = await client.HeadManifestAsync("it/docker", "v1", Token);
        Assert.Equal(MediaType.DockerManifest, head?.MediaType);
        var inspect = await Skopeo.InspectAsync($"docker://{registry.Address}/it/docker:v1", ["--tls-verify=false"], raw: true, Token);
        Assert.Equal(MediaType.DockerManifest, inspect.GetProperty("mediaType").GetString());
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
