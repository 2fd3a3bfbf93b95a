using System.Text;

namespace LayerCache.Docker.Tests;

/// <summary>
/// Registry credentials found as the docker CLI finds them (docker/cli cli/config/configfile/file.go
/// GetAuthConfig, getConfiguredCredentialStore; credentials/file_store.go; native_store.go), with
/// real credential-helper executables speaking the helper protocol. No secret ever reaches a message.
/// </summary>
public sealed class RegistryCredentialTests : IDisposable
{
    private const string Secret = "s3cr3t-Pa55word";
    private readonly DirectoryInfo _config = Directory.CreateTempSubdirectory("lc-cred-");
    private readonly DirectoryInfo _bin = Directory.CreateTempSubdirectory("lc-bin-");

    public void Dispose()
    {
        _config.Delete(recursive: true);
        _bin.Delete(recursive: true);
    }

    [Fact]
    public async Task Auths_entry_for_a_host_is_decoded()
    {
        WriteConfig("""{"auths": {"127.0.0.1:5000": {"auth": "@0@"}}}""".Replace("@0@", Base64("ci:" + Secret), StringComparison.Ordinal));
        var credentials = await GetAsync("127.0.0.1:5000");
        Assert.Equal(("ci", Secret, "127.0.0.1:5000"), (credentials?.Username, credentials?.Password, credentials?.ServerAddress));
        Assert.DoesNotContain(Secret, credentials!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_hub_uses_the_index_url_key()
    {
        WriteConfig("""{"auths": {"https://index.docker.io/v1/": {"auth": "@0@"}}}""".Replace("@0@", Base64("hubuser:" + Secret), StringComparison.Ordinal));
        var credentials = await GetAsync("docker.io");
        Assert.Equal("hubuser", credentials?.Username);
        Assert.Equal("https://index.docker.io/v1/", credentials?.ServerAddress);
    }

    [Fact]
    public async Task Auths_stored_as_a_url_match_by_host()
    {
        WriteConfig("""{"auths": {"https://registry.example:5000/v2/": {"auth": "@0@"}}}""".Replace("@0@", Base64("u:" + Secret), StringComparison.Ordinal));
        Assert.Equal("u", (await GetAsync("registry.example:5000"))?.Username);
        Assert.Null(await GetAsync("other.example"));
    }

    [Fact]
    public async Task Identity_token_is_passed_on()
    {
        WriteConfig("""{"auths": {"ghcr.io": {"identitytoken": "refresh-token"}}}""");
        var credentials = await GetAsync("ghcr.io");
        Assert.Equal("refresh-token", credentials?.IdentityToken);
        Assert.Null(credentials?.Password);
    }

    [Fact]
    public async Task No_config_file_is_anonymous() => Assert.Null(await GetAsync("127.0.0.1:5000"));

    [Fact]
    public async Task Cred_helper_for_the_registry_beats_creds_store_and_auths()
    {
        WriteHelper("lc-good", """read server; if [ "$1" = get ]; then printf '{"ServerURL":"%s","Username":"helper-user","Secret":"@0@"}' "$server"; fi""".Replace("@0@", Secret, StringComparison.Ordinal));
        WriteHelper("lc-store", """echo '{"ServerURL":"x","Username":"store-user","Secret":"store-secret"}'""");
        WriteConfig("""{"credsStore": "lc-store", "credHelpers": {"127.0.0.1:5000": "lc-good"}, "auths": {"127.0.0.1:5000": {"auth": "@0@"}}}""".Replace("@0@", Base64("file:x"), StringComparison.Ordinal));
        var credentials = await GetAsync("127.0.0.1:5000");
        Assert.Equal(("helper-user", Secret), (credentials?.Username, credentials?.Password));
        Assert.Equal("store-user", (await GetAsync("ghcr.io"))?.Username);
    }

    [Fact]
    public async Task Helper_token_user_is_an_identity_token()
    {
        WriteHelper("lc-token", """echo '{"ServerURL":"x","Username":"<token>","Secret":"the-token"}'""");
        WriteConfig("""{"credsStore": "lc-token"}""");
        var credentials = await GetAsync("ghcr.io");
        Assert.Equal("the-token", credentials?.IdentityToken);
        Assert.Null(credentials?.Username);
    }

    [Fact]
    public async Task Helper_without_an_entry_is_anonymous()
    {
        // The protocol's "not found" answer (docker-credential-helpers credentials.errCredentialsNotFoundMessage).
        WriteHelper("lc-empty", "echo 'credentials not found in native keychain'; exit 1");
        WriteConfig("""{"credsStore": "lc-empty"}""");
        Assert.Null(await GetAsync("ghcr.io"));
    }

    [Fact]
    public async Task Failing_helper_is_one_line_naming_it_and_never_the_secret()
    {
        WriteHelper("lc-broken", $"echo 'not json {Secret}'");
        WriteConfig("""{"credsStore": "lc-broken"}""");
        var ex = await Assert.ThrowsAsync<RegistryCredentialsException>(() => GetAsync("ghcr.io"));
        Assert.Contains("docker-credential-lc-broken", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);

        WriteConfig("""{"credsStore": "lc-missing"}""");
        var missing = await Assert.ThrowsAsync<RegistryCredentialsException>(() => GetAsync("ghcr.io"));
        Assert.Contains("docker-credential-lc-missing", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_auth_never_shows_its_content()
    {
        WriteConfig("""{"auths": {"ghcr.io": {"auth": "@0@"}}}""".Replace("@0@", Base64(Secret), StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<RegistryCredentialsException>(() => GetAsync("ghcr.io"));
        Assert.DoesNotContain(Base64(Secret), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_config_json_is_empty_with_a_reason()
    {
        WriteConfig("{ not json");
        var config = DockerCliConfig.LoadFrom(_config.FullName);
        Assert.NotNull(config.LoadError);
        Assert.Null(config.CurrentContext);
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private Task<RegistryCredentials?> GetAsync(string registry)
    {
        var environment = new Dictionary<string, string> { ["DOCKER_CONFIG"] = _config.FullName, ["PATH"] = _bin.FullName + ":/usr/bin:/bin" };
        return DockerConfigCredentialProvider.FromEnvironment(environment.GetValueOrDefault).GetAsync(registry, CancellationToken.None);
    }

    private void WriteConfig(string json) => File.WriteAllText(Path.Combine(_config.FullName, "config.json"), json);

    private void WriteHelper(string name, string script)
    {
        var path = Path.Combine(_bin.FullName, "docker-credential-" + name);
        File.WriteAllText(path, "#!/bin/sh\n" + script + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
