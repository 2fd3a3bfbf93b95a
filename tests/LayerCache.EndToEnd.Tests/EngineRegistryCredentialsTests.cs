using System.Text;
using System.Text.Json;
using LayerCache.Docker;
using LayerCache.Testing;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// A base image in a private registry (htpasswd) is pulled with the credentials `docker login` (or a
/// credential helper) stored in DOCKER_CONFIG/config.json, so the cache key sees the base image's id
/// (issue 8 point 5); before, the pull was anonymous, failed, and the key went without the base.
/// The password never appears in anything layercache prints.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class EngineRegistryCredentialsTests(ITestOutputHelper output)
{
    private const string User = "ci-user";
    private const string Password = "Base-Pa55-w0rd-xyz";

    [Fact]
    public async Task Private_base_image_is_pulled_with_config_json_credentials_and_helpers_and_never_printed()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        await using var registry = await PrivateRegistry.StartAsync((User, Password), ct);
        await using var runner = await Runner.StartAsync(ct);
        var baseImage = $"{registry.Address}/private/base:1";
        await runner.Client.TagImageAsync(TestImages.Busybox, baseImage, ct);
        await runner.Client.PushImageAsync(baseImage, new RegistryCredentials { Username = User, Password = Password, ServerAddress = registry.Address }, null, ct);

        var app = temp.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "Dockerfile"), $"FROM {baseImage} AS base\nRUN echo built > /built.txt\n", ct);
        var config = temp.Combine("docker-config");
        var bin = temp.Combine("bin");
        Directory.CreateDirectory(config);
        Directory.CreateDirectory(bin);
        string[] key = ["key", "--format", "json", app];

        // Anonymous: the registry refuses, the key has no base image id.
        await runner.Client.RemoveImageAsync(baseImage, force: false, ct);
        var anonymous = await runner.LayercacheAsync(Builder.Classic, key, ct, new Dictionary<string, string?> { ["DOCKER_CONFIG"] = config });
        anonymous.ExpectExit(0);
        Assert.Null(BaseImageId(anonymous, baseImage));

        // `docker login` form: auths with base64 user:password.
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        await File.WriteAllTextAsync(Path.Combine(config, "config.json"), "{\"auths\": {\"" + registry.Address + "\": {\"auth\": \"" + auth + "\"}}}", ct);
        var withAuths = await runner.LayercacheAsync(Builder.Classic, key, ct, new Dictionary<string, string?> { ["DOCKER_CONFIG"] = config });
        withAuths.ExpectExit(0);
        Assert.NotNull(BaseImageId(withAuths, baseImage));
        AssertNoSecret(withAuths, auth);

        // A credential helper (docker-credential-lc-test on PATH), as credHelpers names it; the build
        // itself (the docker CLI) uses the same configuration.
        await runner.Client.RemoveImageAsync(baseImage, force: false, ct);
        var helper = Path.Combine(bin, "docker-credential-lc-test");
        await File.WriteAllTextAsync(helper, $"#!/bin/sh\nread server\n[ \"$1\" = get ] && printf '{{\"ServerURL\":\"%s\",\"Username\":\"{User}\",\"Secret\":\"{Password}\"}}' \"$server\"\n", ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await File.WriteAllTextAsync(Path.Combine(config, "config.json"), "{\"credHelpers\": {\"" + registry.Address + "\": \"lc-test\"}}", ct);
        var env = runner.Environment(Builder.Classic, new Dictionary<string, string?>
        {
            ["DOCKER_CONFIG"] = config,
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
        });
        var build = await Cli.RunChildAsync(Commands.Build(app, temp.Combine("store"), "--scope", Commands.MainScope), env, ct);
        output.WriteLine(build.ToString());
        build.ExpectExit(0);
        Assert.DoesNotContain("is not available", build.Stderr, StringComparison.Ordinal);
        Assert.True(build.Report.Save is { Saved: true }, $"the build must save: {build}");
        AssertNoSecret(build, auth);
    }

    private static string? BaseImageId(CliRun run, string image)
    {
        using var document = JsonDocument.Parse(run.Stdout);
        var bases = document.RootElement.GetProperty("baseImages");
        return bases.TryGetProperty(image, out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
    }

    private static void AssertNoSecret(CliRun run, string auth)
    {
        foreach (var secret in new[] { Password, auth })
        {
            Assert.DoesNotContain(secret, run.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, run.Stderr, StringComparison.Ordinal);
        }
    }
}
