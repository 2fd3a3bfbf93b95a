using LayerCache.Testing;

namespace LayerCache.Docker.Tests;

/// <summary>The test engine fixture itself: isolation and complete teardown, even with a container running.</summary>
public sealed class PrivateDockerdTests
{
    [Fact]
    public async Task Teardown_removes_processes_mounts_directory_and_bridge_even_with_a_running_container()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        string root, bridge;
        await using (var engine = await PrivateDockerd.StartAsync(loadBaseImages: true, ct))
        {
            root = engine.Root;
            bridge = engine.BridgeName;
            Assert.True(engine.SocketPath.Length < 108, engine.SocketPath);
            Assert.Matches(@"^169\.254\.\d+\.1/24$", engine.BridgeAddress);
            Assert.True(Directory.Exists($"/sys/class/net/{bridge}"));

            var run = await engine.RunDockerCliAsync(["run", "-d", "--network", "none", TestImages.Busybox, "sleep", "600"], null, ct);
            run.EnsureSuccess();
            Assert.Contains(ReadMounts(), m => m.StartsWith(root + "/", StringComparison.Ordinal));
        }

        Assert.False(Directory.Exists(root), $"{root} still exists");
        Assert.False(Directory.Exists($"/sys/class/net/{bridge}"), $"bridge {bridge} still exists");
        Assert.DoesNotContain(ReadMounts(), m => m.StartsWith(root + "/", StringComparison.Ordinal));
        Assert.Empty(ProcessesMentioning(root + "/"));
    }

    [Fact]
    public async Task Two_engines_are_isolated_from_each_other()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var first = await PrivateDockerd.StartAsync(loadBaseImages: false, timeout.Token);
        await using var second = await PrivateDockerd.StartAsync(loadBaseImages: false, timeout.Token);

        Assert.NotEqual(first.Root, second.Root);
        Assert.NotEqual(first.BridgeName, second.BridgeName);
        Assert.NotEqual(first.BridgeAddress, second.BridgeAddress);

        using var a = new DockerEngineClient(DockerEndpoint.Parse(first.Host));
        using var b = new DockerEngineClient(DockerEndpoint.Parse(second.Host));
        var infoA = await a.InfoAsync(timeout.Token);
        var infoB = await b.InfoAsync(timeout.Token);
        Assert.NotEqual(infoA.Id, infoB.Id);
        Assert.Equal(0, infoA.Images);
    }

    [Fact]
    public async Task Docker_build_requires_an_explicit_builder()
    {
        var engine = new PrivateDockerd();
        await Assert.ThrowsAsync<ArgumentException>(() => engine.RunDockerCliAsync(["build", "."], null, CancellationToken.None));
    }

    private static List<string> ReadMounts() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).ToList();

    private static List<string> ProcessesMentioning(string marker)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.Contains(marker, StringComparison.Ordinal) && !File.ReadAllText(Path.Combine(dir, "stat")).Contains(") Z ", StringComparison.Ordinal))
                {
                    found.Add(cmdline.Replace('\0', ' '));
                }
            }
            catch (IOException)
            {
                // exited meanwhile
            }
        }

        return found;
    }
}
