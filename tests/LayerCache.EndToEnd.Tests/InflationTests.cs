using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using LayerCache.Oci;
using LayerCache.Store;
using LayerCache.Testing;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Done when: a stored layer that the engine would inflate (a gzip'd tar, in an entry whose digests
/// are all consistent, as someone with write access to a shared CI cache could make it) is refused
/// before the engine registers anything: a warning, a cold build, exit 0, and the engine's data root
/// does not grow by the inflated size.
/// </summary>
[Collection(EngineCollections.B)]
public sealed class InflationTests
{
    private const long InflatedSize = 512L * 1024 * 1024;

    /// <param name="namedAsTar">
    /// The config names the gzip blob itself as the layer's DiffId (a "plain tar" whose bytes are gzip):
    /// the form the bridge would hand to the engine's pull, where its guard must refuse it mid-stream.
    /// Otherwise the DiffId is the inflated tar's, and the layer is loaded (a pull takes plain tars only).
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_consistent_entry_whose_layer_inflates_in_the_engine_is_refused_and_the_build_runs_cold(bool namedAsTar)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var store = temp.Combine("store");
        await SeedStore.CopyClassicAsync(store);
        var (hostile, hostileSize, inflatedDiffId) = await MakeInflatingLayerAsync(temp, ct);
        var diffId = namedAsTar ? DiffId.FromDigest(hostile) : inflatedDiffId;
        await ReplaceBiggestLayerAsync(store, temp.Combine(hostile.Hex + ".gz"), hostile, hostileSize, diffId, ct);
        Assert.True(hostileSize * 200 < InflatedSize, $"the hostile layer inflates {InflatedSize / hostileSize}x");

        await using var runner = await Runner.StartAsync(ct);
        var app = ExampleApp.CopyTo(temp.Combine("app"));
        var imagesBefore = await runner.ImageTagsAsync(ct);
        var rootBefore = await DiskUsageAsync(runner.Engine.DataRoot, ct);

        // restore alone: refused before the engine registers anything, a warning, the blob quarantined.
        var restore = await runner.LayercacheAsync(Builder.Classic, Commands.Restore(app.Directory, store, "--scope", Commands.MainScope), ct);
        restore.ExpectExit(0);
        var growth = await DiskUsageAsync(runner.Engine.DataRoot, ct) - rootBefore;
        Assert.True(growth < InflatedSize / 4, $"the engine's data root grew by {growth} bytes");
        Assert.False(restore.Report.Restore!.Hit, $"an inflating layer must not be restored: {restore}");
        Assert.Contains(restore.Report.Warnings, w => w.Contains(hostile.ToString(), StringComparison.Ordinal) && w.Contains("gzip", StringComparison.Ordinal));
        Assert.Equal(imagesBefore, await runner.ImageTagsAsync(ct));
        Assert.False(File.Exists(StoreFiles.BlobPath(store, hostile)), "the foreign blob must be removed from the store");

        // A build on the same store: cold, successful, and its save leaves a store that verifies.
        var build = await runner.LayercacheAsync(Builder.Classic, Commands.Build(app.Directory, store, "--scope", Commands.MainScope, "-t", "demo:latest"), ct);
        build.ExpectExit(0);
        ReportAssert.Cold(build);
        Assert.Equal(0, build.Report.Build!.ExitCode);
        Assert.Contains("app: backend version 1", await AppOutput.RunAsync(runner, "demo:latest", ct), StringComparison.Ordinal);
        (await Cli.RunAsync(Commands.Verify(store), new Dictionary<string, string?>(), ct)).ExpectExit(0);
    }

    /// <summary>A gzip'd tar holding one file of zeros: its blob digest, size and (uncompressed) DiffId.</summary>
    private static async Task<(Digest Blob, long Size, DiffId DiffId)> MakeInflatingLayerAsync(TempDirectory temp, CancellationToken ct)
    {
        var zeros = temp.Combine("zeros");
        await using (var file = File.Create(zeros))
        {
            file.SetLength(InflatedSize);
        }

        var tar = temp.Combine("layer.tar");
        await using (var output = File.Create(tar))
        {
            await using var writer = new TarWriter(output, TarEntryFormat.Pax);
            await writer.WriteEntryAsync(zeros, "zeros", ct);
        }

        File.Delete(zeros);
        Digest diffId;
        await using (var input = File.OpenRead(tar))
        {
            diffId = await Digest.ComputeAsync(input, ct);
        }

        var gz = temp.Combine("layer.tar.gz");
        await using (var input = File.OpenRead(tar))
        await using (var output = File.Create(gz))
        await using (var zip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            await input.CopyToAsync(zip, ct);
        }

        File.Delete(tar);
        Digest blob;
        await using (var input = File.OpenRead(gz))
        {
            blob = await Digest.ComputeAsync(input, ct);
        }

        File.Move(gz, temp.Combine(blob.Hex + ".gz"));
        return (blob, new FileInfo(temp.Combine(blob.Hex + ".gz")).Length, DiffId.FromDigest(diffId));
    }

    /// <summary>
    /// Rewrites the store's entry so that its biggest layer is the hostile blob, with every digest
    /// consistent (manifest, config, entry, index.json): only the layer's content gives it away.
    /// </summary>
    private static async Task ReplaceBiggestLayerAsync(string directory, string hostilePath, Digest hostile, long hostileSize, DiffId diffId, CancellationToken ct)
    {
        var store = await FileSystemCacheStore.OpenAsync(directory, ct);
        var entry = Assert.Single(await store.ListEntriesAsync(ct));
        var victim = StoreFiles.Blobs(directory).MaxBy(b => b.Size).Digest;
        await using (await store.BeginWriteAsync(ct))
        {
            await using (var content = File.OpenRead(hostilePath))
            {
                await store.Blobs.WriteAsync(content, hostile, hostileSize, ct);
            }

            var stages = new List<StageImage>();
            foreach (var stage in entry.Stages)
            {
                var manifest = OciJson.DeserializeManifest(await ReadAsync(store, stage.ManifestDigest, ct), stage.ManifestDigest.Value);
                var position = manifest.Layers.ToList().FindIndex(l => l.Digest == victim);
                if (position < 0)
                {
                    stages.Add(stage);
                    continue;
                }

                var config = OciJson.DeserializeConfig(await ReadAsync(store, manifest.Config.Digest, ct), manifest.Config.Digest.Value);
                var diffIds = config.DiffIds.ToList();
                diffIds[position] = diffId;
                var newConfig = OciJson.SerializeWithDigest(config with { RootFs = config.RootFs! with { DiffIds = diffIds } }, manifest.Config.MediaType);
                await WriteAsync(store, newConfig, ct);
                var layers = manifest.Layers.ToList();
                layers[position] = layers[position] with { Digest = hostile, Size = hostileSize };
                var newManifest = OciJson.SerializeWithDigest(manifest with
                {
                    Config = manifest.Config with { Digest = newConfig.Digest, Size = newConfig.Size },
                    Layers = layers,
                });
                await WriteAsync(store, newManifest, ct);
                stages.Add(new StageImage { Name = stage.Name, ManifestDigest = newManifest.Digest });
            }

            Assert.NotEqual(entry.Stages, stages);
            await store.PutEntryAsync(entry with { Stages = stages, Id = default, RefName = null, Signature = null }, ct);
        }

        // Drop the genuine entry from index.json, as the attacker would: the hostile one is all there is.
        var indexPath = Path.Combine(directory, "index.json");
        var index = JsonNode.Parse(await File.ReadAllTextAsync(indexPath, ct))!;
        var manifests = index["manifests"]!.AsArray();
        foreach (var genuine in manifests.Where(m => (string?)m!["digest"] == entry.Id.Value).ToList())
        {
            manifests.Remove(genuine);
        }

        await File.WriteAllTextAsync(indexPath, index.ToJsonString(), ct);
        File.Delete(StoreFiles.BlobPath(directory, victim));
    }

    private static async Task<byte[]> ReadAsync(FileSystemCacheStore store, Digest digest, CancellationToken ct)
    {
        await using var stream = await store.Blobs.OpenReadAsync(digest, ct);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, ct);
        return copy.ToArray();
    }

    private static async Task WriteAsync(FileSystemCacheStore store, SerializedDocument document, CancellationToken ct) =>
        await store.Blobs.WriteAsync(new MemoryStream(document.Content.ToArray()), document.Digest, document.Size, ct);

    /// <summary>Bytes allocated under a directory (what the engine really wrote).</summary>
    private static async Task<long> DiskUsageAsync(string directory, CancellationToken ct)
    {
        var du = Process.Start(new ProcessStartInfo("du", ["-s", "-B1", "-x", directory]) { RedirectStandardOutput = true })!;
        var output = await du.StandardOutput.ReadToEndAsync(ct);
        await du.WaitForExitAsync(ct);
        return long.Parse(output.Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
