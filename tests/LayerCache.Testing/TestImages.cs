using System.Security.Cryptography;

namespace LayerCache.Testing;

/// <summary>
/// Base images without internet access. busybox is built once per machine (FROM scratch + the host's
/// static busybox), saved to a tar at a stable path and loaded into every fresh engine, so its image id
/// is the same in all engines, like a digest-pinned pull.
/// </summary>
public static class TestImages
{
    /// <summary>The tag of the pinned busybox image in every private engine.</summary>
    public const string Busybox = "busybox:latest";

    private static readonly SemaphoreSlim InProcessLock = new(1, 1);

    /// <summary>Where the saved base images are cached across test runs and processes.</summary>
    public static string CacheDirectory => "/tmp/layercache-test-images";

    /// <summary>
    /// The path of the busybox image archive (docker save format), building it on first use. The name
    /// carries the hash of the host's busybox binary, so a package upgrade yields a new archive.
    /// </summary>
    public static async Task<string> GetBusyboxArchiveAsync(CancellationToken cancellationToken)
    {
        Prerequisites.EnsureDockerd();
        var binaryHash = Convert.ToHexStringLower(await HashFileAsync(Prerequisites.Busybox, cancellationToken))[..16];
        var archive = Path.Combine(CacheDirectory, $"busybox-v1-{binaryHash}.tar");
        if (File.Exists(archive))
        {
            return archive;
        }

        Directory.CreateDirectory(CacheDirectory);
        await InProcessLock.WaitAsync(cancellationToken);
        try
        {
            // flock-based (FileShare.None) lock: parallel test processes build the archive only once.
            await using var fileLock = await AcquireFileLockAsync(Path.Combine(CacheDirectory, "busybox.lock"), cancellationToken);
            if (!File.Exists(archive))
            {
                await BuildBusyboxArchiveAsync(archive, cancellationToken);
            }
        }
        finally
        {
            InProcessLock.Release();
        }

        return archive;
    }

    /// <summary>Loads the pinned busybox image into <paramref name="engine"/>.</summary>
    public static async Task LoadBusyboxAsync(PrivateDockerd engine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var archive = await GetBusyboxArchiveAsync(cancellationToken);
        (await engine.RunDockerCliAsync(["load", "-q", "-i", archive], null, cancellationToken)).EnsureSuccess();
    }

    private static async Task BuildBusyboxArchiveAsync(string archive, CancellationToken ct)
    {
        await using var builder = await PrivateDockerd.StartAsync(loadBaseImages: false, ct);
        var context = Path.Combine(builder.Root, "busybox-context");
        Directory.CreateDirectory(context);
        File.Copy(Prerequisites.Busybox, Path.Combine(context, "busybox"));
        await File.WriteAllTextAsync(
            Path.Combine(context, "Dockerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\",\"--install\",\"-s\",\"/bin\"]\n",
            ct);
        var env = new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "0" };
        (await builder.RunDockerCliAsync(["build", "--network", "none", "-q", "-t", Busybox, context], env, ct)).EnsureSuccess();

        // Save next to the final path, then rename: readers never see a partial archive.
        var temp = archive + $".tmp-{Environment.ProcessId}";
        (await builder.RunDockerCliAsync(["save", "-o", temp, Busybox], null, ct)).EnsureSuccess();
        File.Move(temp, archive, overwrite: true);
    }

    private static async Task<byte[]> HashFileAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return await SHA256.HashDataAsync(stream, ct);
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(100, ct);
            }
        }
    }
}
