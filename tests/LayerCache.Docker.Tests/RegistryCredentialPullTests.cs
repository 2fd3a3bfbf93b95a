using LayerCache.Testing;

namespace LayerCache.Docker.Tests;

/// <summary>
/// Pulls through a real engine from a real registry that requires a password (htpasswd): anonymous
/// fails, credentials from config.json (auths, or a credential helper) are sent as X-Registry-Auth.
/// </summary>
public sealed class RegistryCredentialPullTests(PrivateDockerd engine) : IClassFixture<PrivateDockerd>, IDisposable
{
    private const string User = "ci-user";
    private const string Password = "pull-Pa55-word";
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private readonly DirectoryInfo _config = Directory.CreateTempSubdirectory("lc-cred-");

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _config.Delete(recursive: true);
    }

    [Fact]
    public async Task Private_base_image_is_pulled_with_the_stored_credentials_only()
    {
        await using var registry = await PrivateRegistry.StartAsync((User, Password), Ct);
        var image = $"{registry.Address}/private/base:1";
        using (var pusher = new DockerEngineClient(DockerEndpoint.Parse(engine.Host)))
        {
            await pusher.TagImageAsync(TestImages.Busybox, image, Ct);
            await pusher.PushImageAsync(image, new RegistryCredentials { Username = User, Password = Password, ServerAddress = registry.Address }, null, Ct);
            await pusher.RemoveImageAsync(image, force: false, Ct);
        }

        var environment = new Dictionary<string, string> { ["DOCKER_CONFIG"] = _config.FullName };
        using (var anonymous = new DockerEngineClient(DockerEndpoint.Parse(engine.Host), DockerConfigCredentialProvider.FromEnvironment(environment.GetValueOrDefault)))
        {
            var ex = await Assert.ThrowsAsync<DockerEngineException>(() => anonymous.PullImageAsync(image, null, null, Ct));
            Assert.Contains("no basic auth credentials", ex.Message, StringComparison.OrdinalIgnoreCase);
        }

        var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{User}:{Password}"));
        await File.WriteAllTextAsync(Path.Combine(_config.FullName, "config.json"), """{"auths": {"@0@": {"auth": "@1@"}}}""".Replace("@0@", registry.Address, StringComparison.Ordinal).Replace("@1@", auth, StringComparison.Ordinal), Ct);
        using var client = new DockerEngineClient(DockerEndpoint.Parse(engine.Host), DockerConfigCredentialProvider.FromEnvironment(environment.GetValueOrDefault));
        var pulled = await client.PullImageAsync(image, null, null, Ct);
        Assert.NotNull(pulled.Digest);
        Assert.NotNull(await client.InspectImageAsync(image, Ct));
    }
}
