using System.Security.Cryptography;
using System.Text;
using LayerCache.Docker;

namespace LayerCache.Registry.Tests;

/// <summary>A throwaway DOCKER_CONFIG directory with a config.json, read by the real credential provider.</summary>
internal sealed class DockerConfigDirectory : IDisposable
{
    private DockerConfigDirectory(string path) => Path = path;

    public string Path { get; }

    public static DockerConfigDirectory WithAuth(string registry, string user, string password) =>
        Create("{\"auths\":{\"" + registry + "\":{\"auth\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")) + "\"}}}");

    public static DockerConfigDirectory WithIdentityToken(string registry, string token) =>
        Create("{\"auths\":{\"" + registry + "\":{\"identitytoken\":\"" + token + "\"}}}");

    public static DockerConfigDirectory Create(string configJson)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lc-dockercfg-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        Directory.CreateDirectory(path);
        File.WriteAllText(System.IO.Path.Combine(path, "config.json"), configJson);
        return new DockerConfigDirectory(path);
    }

    public IRegistryCredentialProvider Provider() =>
        DockerConfigCredentialProvider.FromEnvironment(name => name == "DOCKER_CONFIG" ? Path : Environment.GetEnvironmentVariable(name));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
