using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Seed 001: <c>layercache key</c> resolves each base image to its manifest digest with a HEAD request to
/// its registry, with no engine at all (a CI computes its cache key before docker is even set up); a
/// multi-platform index resolves to this platform's manifest, and a new upstream image changes the key.
/// </summary>
public sealed class KeyFromRegistryTests
{
    private const string Scope = "lc-e2e-key-registry";

    [Fact]
    public async Task Key_without_an_engine_uses_the_registry_manifest_digest_of_the_platform()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        await using var registry = await PrivateRegistry.StartAsync(ct);
        using var client = new RegistryClient(new RegistryClientOptions { Registry = registry.Address });
        var amd64 = await PushImageAsync(client, "base/multi", "amd64-1", "amd64 v1", ct);
        var arm64 = await PushImageAsync(client, "base/multi", "arm64-1", "arm64 v1", ct);
        var index = await PushIndexAsync(client, "base/multi", "1", amd64, arm64, ct);
        var expected = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? arm64 : amd64;

        var image = $"{registry.Address}/base/multi:1";
        var app = temp.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "Dockerfile"), $"FROM {image}\nRUN echo built > /built.txt\n", ct);
        var config = temp.Combine("docker-config");
        Directory.CreateDirectory(config);
        var env = new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = "unix:///nonexistent.sock",
            ["DOCKER_BUILDKIT"] = "0",
            ["LAYERCACHE_DOCKER"] = Cli.DockerCli,
            ["DOCKER_CONFIG"] = config,
            ["HOME"] = temp.Path,
        };

        // --resolve registry: the engine is never asked, so nothing warns about it.
        var first = await Cli.RunAsync(["key", "--format", "json", "--scope", Scope, "--resolve", "registry", app], env, ct);
        Assert.True(first.ExitCode == 0, first.ToString());
        var (key, manifest, format, warnings) = Read(first, image);
        Assert.Equal(expected.Value, manifest);
        Assert.NotEqual(index.Value, manifest);
        Assert.Equal("v2", format);
        Assert.Empty(warnings);

        // The default (auto) with no engine: the same registry digest, the same key.
        var auto = await Cli.RunAsync(["key", "--format", "json", "--scope", Scope, app], env, ct);
        Assert.True(auto.ExitCode == 0, auto.ToString());
        Assert.Equal(key, Read(auto, image).Key);

        // A new upstream image under the same tag busts the key.
        var amd64v2 = await PushImageAsync(client, "base/multi", "amd64-2", "amd64 v2", ct);
        var arm64v2 = await PushImageAsync(client, "base/multi", "arm64-2", "arm64 v2", ct);
        await PushIndexAsync(client, "base/multi", "1", amd64v2, arm64v2, ct);
        var second = await Cli.RunAsync(["key", "--format", "json", "--scope", Scope, "--resolve", "registry", app], env, ct);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.NotEqual(key, Read(second, image).Key);

        // A base the registry does not have: a warning, the key still printed (fail open).
        await File.WriteAllTextAsync(Path.Combine(app, "Dockerfile"), $"FROM {registry.Address}/base/missing:1\n", ct);
        var missing = await Cli.RunAsync(["key", "--scope", Scope, "--resolve", "registry", app], env, ct);
        Assert.True(missing.ExitCode == 0, missing.ToString());
        Assert.Contains("base/missing:1 is not in its registry", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("(not resolved)", missing.Stdout, StringComparison.Ordinal);
    }

    private static (string Key, string? Manifest, string Format, List<string> Warnings) Read(CliRun run, string image)
    {
        using var document = JsonDocument.Parse(run.Stdout);
        var root = document.RootElement;
        var manifests = root.GetProperty("baseManifests");
        var manifest = manifests.TryGetProperty(image, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        var warnings = root.GetProperty("warnings").EnumerateArray().Select(w => w.GetString() ?? string.Empty).ToList();
        return (root.GetProperty("key").GetString()!, manifest, root.GetProperty("keyFormat").GetString()!, warnings);
    }

    private static async Task<Digest> PushImageAsync(RegistryClient client, string repository, string tag, string content, CancellationToken ct)
    {
        var layer = Encoding.UTF8.GetBytes(content);
        var layerDigest = Digest.Compute(layer);
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}");
        await client.PushBlobAsync(repository, layerDigest, layer.Length, _ => Task.FromResult<Stream>(new MemoryStream(layer)), null, ct);
        await client.PushBlobAsync(repository, Digest.Compute(config), config.Length, _ => Task.FromResult<Stream>(new MemoryStream(config)), null, ct);
        var manifest = OciJson.SerializeWithDigest(new ImageManifest
        {
            MediaType = MediaType.OciImageManifest,
            Config = new Descriptor { MediaType = MediaType.OciImageConfig, Digest = Digest.Compute(config), Size = config.Length },
            Layers = [new Descriptor { MediaType = MediaType.OciLayer, Digest = layerDigest, Size = layer.Length }],
        });
        return (await client.PutManifestAsync(repository, tag, manifest.MediaType, manifest.Content, ct)).Digest;
    }

    private static async Task<Digest> PushIndexAsync(RegistryClient client, string repository, string tag, Digest amd64, Digest arm64, CancellationToken ct)
    {
        var manifests = new List<Descriptor>();
        foreach (var (digest, platform) in new[] { (amd64, Platform.LinuxAmd64), (arm64, Platform.LinuxArm64) })
        {
            var head = await client.HeadManifestAsync(repository, digest.Value, ct) ?? throw new InvalidOperationException("pushed manifest missing");
            manifests.Add(head with { Platform = platform });
        }

        var index = OciJson.SerializeWithDigest(new ImageIndex { MediaType = MediaType.OciImageIndex, Manifests = manifests });
        return (await client.PutManifestAsync(repository, tag, index.MediaType, index.Content, ct)).Digest;
    }
}
