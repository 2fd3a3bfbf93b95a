using System.Text;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Cli.Tests;

/// <summary><c>ls</c> and <c>verify</c> over a real directory store: the image column, and verify's exit code.</summary>
public sealed class StoreCommandTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 30, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("lc-store-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StoreDir => Path.Combine(_dir, "store");

    private static async Task<(StageImage Stage, Digest Layer)> AddImageAsync(IBlobStore blobs, string seed)
    {
        async Task<BlobInfo> WriteAsync(byte[] content)
        {
            using var stream = new MemoryStream(content, writable: false);
            return await blobs.WriteAsync(stream, Digest.Compute(content), content.Length, CancellationToken.None);
        }

        var layer = await WriteAsync(Encoding.UTF8.GetBytes($"layer {seed}"));
        var config = OciJson.SerializeWithDigest(new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            RootFs = new RootFs { DiffIds = [DiffId.FromDigest(layer.Digest)] },
        });
        await WriteAsync(config.Content.ToArray());
        var manifest = OciJson.SerializeWithDigest(new ImageManifest
        {
            MediaType = MediaType.OciImageManifest,
            Config = config.ToDescriptor(),
            Layers = [layer.ToDescriptor(MediaType.OciLayer)],
        });
        await WriteAsync(manifest.Content.ToArray());
        return (new StageImage { Name = "app", ManifestDigest = manifest.Digest }, layer.Digest);
    }

    private async Task<Digest> PutAsync(ImageIdentity image, string seed)
    {
        var store = await FileSystemCacheStore.OpenAsync(StoreDir, CancellationToken.None);
        var (stage, layer) = await AddImageAsync(store.Blobs, seed);
        await store.PutEntryAsync(new CacheEntry { Scope = CacheScope.Parse("p/main"), Image = image, Created = T0, Key = Digest.Compute(Encoding.UTF8.GetBytes(seed)), Stages = [stage] }, CancellationToken.None);
        return layer;
    }

    [Fact]
    public async Task Ls_shows_which_image_each_entry_caches()
    {
        await PutAsync(ImageIdentity.Default, "a");
        await PutAsync(new ImageIdentity("Dockerfile.worker", "worker", "linux/arm64"), "b");

        var (code, stdout, stderr) = await CliRunner.RunAsync("ls", "--cache", "dir:" + StoreDir);

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n');
        Assert.Contains("IMAGE", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("p/main", StringComparison.Ordinal) && l.Contains(" Dockerfile ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Dockerfile.worker:worker@linux/arm64", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_exits_0_on_a_clean_store_and_1_on_a_corrupt_blob()
    {
        var layer = await PutAsync(ImageIdentity.Default, "a");

        var clean = await CliRunner.RunAsync("verify", "--cache", "dir:" + StoreDir);
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);
        Assert.StartsWith("ok:", clean.Stdout, StringComparison.Ordinal);

        var path = Path.Combine(StoreDir, "blobs", "sha256", layer.Hex);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[0] ^= 0xff;
        await File.WriteAllBytesAsync(path, bytes);

        var corrupt = await CliRunner.RunAsync("verify", "--cache", "dir:" + StoreDir);
        Assert.Equal(1, corrupt.ExitCode);
        Assert.Contains($"corrupt blob {layer}", corrupt.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_exits_1_when_an_entry_lost_a_blob()
    {
        var layer = await PutAsync(ImageIdentity.Default, "a");
        File.Delete(Path.Combine(StoreDir, "blobs", "sha256", layer.Hex));

        var (code, stdout, _) = await CliRunner.RunAsync("verify", "--cache", "dir:" + StoreDir);

        Assert.Equal(1, code);
        Assert.Contains("missing blob", stdout, StringComparison.Ordinal);
    }
}
