namespace LayerCache.Testing;

/// <summary>
/// The host tools the real-engine tests need. A missing tool fails the test with the Debian package to
/// install: a silently skipped engine test would hide exactly the regressions these tests exist for.
/// </summary>
public static class Prerequisites
{
    /// <summary>The Debian docker.io daemon (20.10).</summary>
    public const string Dockerd = "/usr/sbin/dockerd";

    /// <summary>The Debian docker.io client (20.10). Not /usr/local/bin/docker, which may be a newer client without the classic builder.</summary>
    public const string DockerCli = "/usr/bin/docker";

    /// <summary>containerd, run privately per daemon.</summary>
    public const string Containerd = "/usr/bin/containerd";

    /// <summary>The OCI runtime dockerd uses.</summary>
    public const string Runc = "/usr/sbin/runc";

    /// <summary>skopeo, the peer registry client.</summary>
    public const string Skopeo = "/usr/bin/skopeo";

    /// <summary>Distribution 2.8, the peer registry.</summary>
    public const string Registry = "/usr/bin/docker-registry";

    /// <summary>The statically linked busybox the base test image is made of.</summary>
    public const string Busybox = "/bin/busybox";

    /// <summary>iproute2's ip, for the private bridges.</summary>
    public static string Ip { get; } = File.Exists("/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip";

    /// <summary>Fails unless everything a private dockerd needs is present and we are root.</summary>
    public static void EnsureDockerd() => Ensure(
        (Dockerd, "docker.io"),
        (DockerCli, "docker.io"),
        (Containerd, "containerd"),
        (Runc, "runc"),
        (Busybox, "busybox-static"),
        (Ip, "iproute2"));

    /// <summary>Fails unless the Distribution registry is installed.</summary>
    public static void EnsureRegistry() => Ensure((Registry, "docker-registry"));

    /// <summary>Fails unless skopeo is installed.</summary>
    public static void EnsureSkopeo() => Ensure((Skopeo, "skopeo"));

    /// <summary>Fails unless every tool the test suites use is present.</summary>
    public static void EnsureAll()
    {
        EnsureDockerd();
        EnsureRegistry();
        EnsureSkopeo();
    }

    private static void Ensure(params (string Path, string Package)[] tools)
    {
        var missing = tools.Where(t => !File.Exists(t.Path)).ToList();
        var problems = new List<string>();
        if (missing.Count > 0)
        {
            problems.Add(
                "missing " + string.Join(", ", missing.Select(t => t.Path)) +
                "; install with: apt-get install " + string.Join(' ', missing.Select(t => t.Package).Distinct()));
        }

        if (tools.Any(t => t.Path == Busybox) && File.Exists(Busybox) && IsDynamicallyLinked(Busybox))
        {
            problems.Add($"{Busybox} is dynamically linked and cannot run in a FROM scratch image; install with: apt-get install busybox-static");
        }

        if (tools.Any(t => t.Path == Dockerd) && Environment.UserName != "root")
        {
            problems.Add("a private dockerd needs root (it creates a bridge interface and mounts); run the tests as root");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Test prerequisites not met: " + string.Join("; ", problems));
        }
    }

    /// <summary>True when the ELF file has a PT_INTERP program header, i.e. needs a dynamic loader.</summary>
    private static bool IsDynamicallyLinked(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var ident = reader.ReadBytes(16);
        if (ident.Length < 16 || ident[0] != 0x7f || ident[1] != (byte)'E' || ident[4] != 2)
        {
            // Not a 64-bit ELF: we cannot tell, so do not claim it is wrong.
            return false;
        }

        stream.Position = 0x20;
        var programHeaderOffset = reader.ReadInt64();
        stream.Position = 0x36;
        var entrySize = reader.ReadUInt16();
        var count = reader.ReadUInt16();
        for (var i = 0; i < count; i++)
        {
            stream.Position = programHeaderOffset + ((long)i * entrySize);
            if (reader.ReadUInt32() == 3)
            {
                return true;
            }
        }

        return false;
    }
}
