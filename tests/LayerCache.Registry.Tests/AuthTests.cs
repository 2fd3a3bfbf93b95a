using System.Net;
using LayerCache.Registry.Client;
using LayerCache.Testing;

namespace LayerCache.Registry.Tests;

/// <summary>Basic (htpasswd), Bearer (a token server) and TLS (a CA made by openssl) against real Distribution registries.</summary>
public sealed class AuthTests
{
    private const string User = "ci";
    private const string Password = "s3cret-pass";

    private static CancellationToken Token => TestContext.Token;

    [Fact]
    public async Task Basic_auth_uses_the_docker_config_credentials_and_refuses_without_them()
    {
        await using var registry = await PrivateRegistry.StartAsync((User, Password), Token);
        using var config = DockerConfigDirectory.WithAuth(registry.Address, User, Password);
        using (var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address, Credentials = config.Provider() }))
        {
            var image = TestImage.Create("basic auth");
            await image.PushAsync(client, "auth/basic", "v1", Token);
            Assert.True(client.Challenge?.IsBasic);
            Assert.Equal(image.Manifest.Digest, (await client.HeadManifestAsync("auth/basic", "v1", Token))?.Digest);
            var tags = new List<string>();
            await foreach (var tag in client.ListTagsAsync("auth/basic", 0, Token))
            {
                tags.Add(tag);
            }

            Assert.Equal(["v1"], tags);
        }

        using (var anonymous = new RegistryClient(new RegistryClientOptions { Registry = registry.Address }))
        {
            var error = await Assert.ThrowsAsync<RegistryException>(() => anonymous.HeadManifestAsync("auth/basic", "v1", Token));
            Assert.Equal(RegistryErrorKind.Denied, error.Kind);
            Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        }

        using var wrong = DockerConfigDirectory.WithAuth(registry.Address, User, "not-the-password");
        using (var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address, Credentials = wrong.Provider() }))
        {
            var error = await Assert.ThrowsAsync<RegistryException>(() => client.PingAsync(Token));
            Assert.Equal(RegistryErrorKind.Denied, error.Kind);
            Assert.DoesNotContain("not-the-password", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bearer_tokens_come_from_the_realm_are_cached_and_cover_push_pull_mount_and_delete()
    {
        await using var registry = await PrivateRegistry.StartAsync(new PrivateRegistry { TokenAuth = (User, Password) }, Token);
        using var config = DockerConfigDirectory.WithAuth(registry.Address, User, Password);
        using var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address, Credentials = config.Provider() });
        var image = TestImage.Create("bearer");
        await image.PushAsync(client, "auth/token", "v1", Token);
        Assert.True(client.Challenge?.IsBearer);
        Assert.Equal(TokenServer.Service, client.Challenge?.Service);

        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(await client.HeadManifestAsync("auth/token", "v1", Token));
            Assert.NotNull(await client.HeadBlobAsync("auth/token", image.LayerDescriptor.Digest, Token));
        }

        // One token per scope (pull; pull+push), not one per request.
        Assert.InRange(registry.TokenServer!.TokensIssued, 2, 4);

        var mounted = await client.PushBlobAsync("auth/other", image.LayerDescriptor.Digest, image.Layer.Length,
            _ => throw new InvalidOperationException("mount must not open the content"), new BlobUploadOptions { MountFrom = "auth/token" }, Token);
        Assert.Equal(BlobPushOutcome.Mounted, mounted);
        Assert.True(await client.DeleteManifestAsync("auth/token", image.Manifest.Digest, Token));

        // skopeo, the second client, reads what we pushed through the same token flow.
        Assert.True(await client.DeleteBlobAsync("auth/other", image.LayerDescriptor.Digest, Token));
        await image.PushAsync(client, "auth/token", "v2", Token);
        var inspect = await Skopeo.InspectAsync($"docker://{registry.Address}/auth/token:v2", ["--tls-verify=false", "--creds", $"{User}:{Password}"], raw: false, Token);
        Assert.Equal(image.Manifest.Digest.Value, inspect.GetProperty("Digest").GetString());
    }

    [Fact]
    public async Task Bearer_identity_tokens_are_exchanged_by_oauth_post()
    {
        await using var registry = await PrivateRegistry.StartAsync(new PrivateRegistry { TokenAuth = (User, Password) }, Token);
        using var config = DockerConfigDirectory.WithIdentityToken(registry.Address, registry.TokenServer!.IdentityToken);
        using var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address, Credentials = config.Provider() });
        await TestImage.Create("identity token").PushAsync(client, "auth/identity", "v1", Token);
        Assert.NotNull(await client.HeadManifestAsync("auth/identity", "v1", Token));
    }

    [Fact]
    public async Task Bearer_without_credentials_is_denied_not_retried()
    {
        await using var registry = await PrivateRegistry.StartAsync(new PrivateRegistry { TokenAuth = (User, Password) }, Token);
        using var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address });
        var error = await Assert.ThrowsAsync<RegistryException>(() => client.HeadManifestAsync("auth/token", "v1", Token));
        Assert.Equal(RegistryErrorKind.Denied, error.Kind);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.InRange(registry.TokenServer!.TokensRefused, 1, 2);
    }

    [Fact]
    public async Task Tls_with_the_given_ca_works_and_without_it_is_refused_never_downgraded()
    {
        await using var registry = await PrivateRegistry.StartAsync(new PrivateRegistry { Tls = true }, Token);
        using (var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address, CaFile = registry.CaFile }))
        {
            var ping = await client.PingAsync(Token);
            Assert.Equal("https", ping.BaseUri.Scheme);
            var image = TestImage.Create("over tls");
            await image.PushAsync(client, "tls/app", "v1", Token);
            await using var blob = await client.OpenBlobAsync("tls/app", image.LayerDescriptor.Digest, image.Layer.Length, Token);
            await blob.VerifyToEndAsync(Token);
            Assert.True(blob.IsVerified);
            var inspect = await Skopeo.InspectAsync($"docker://{registry.Address}/tls/app:v1", ["--cert-dir", registry.CertDirectory], raw: true, Token);
            Assert.Equal(image.LayerDescriptor.Digest.Value, inspect.GetProperty("layers")[0].GetProperty("digest").GetString());
        }

        using (var untrusting = new RegistryClient(new RegistryClientOptions { Registry = registry.Address }))
        {
            var error = await Assert.ThrowsAsync<RegistryException>(() => untrusting.PingAsync(Token));
            Assert.Equal(RegistryErrorKind.Denied, error.Kind);
            Assert.Contains("TLS", error.Message, StringComparison.Ordinal);
        }

        var badCa = Path.Combine(registry.Root, "not-a-ca.pem");
        await File.WriteAllTextAsync(badCa, "not a certificate", Token);
        var invalid = Assert.Throws<RegistryException>(() => new RegistryClient(new RegistryClientOptions { Registry = registry.Address, CaFile = badCa }));
        Assert.Equal(RegistryErrorKind.Invalid, invalid.Kind);
    }
}
