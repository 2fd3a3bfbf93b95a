using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using LayerCache.Core.Workflows;
using LayerCache.Docker;
using LayerCache.Oci;
using LayerCache.Store;
using LayerCache.Testing;

namespace LayerCache.Core.Tests;

/// <summary>
/// The save (<see cref="StageImageExporter"/>) and restore (<see cref="StageImageLoader"/>) workflows
/// against <see cref="InMemoryDockerEngine"/> and a real directory store: seconds, not minutes, beside
/// the end-to-end tests against a private dockerd. The fake checks every layer it receives against
/// the config's DiffId, so a wrong restore cannot pass.
/// </summary>
public sealed class EngineFakeWorkflowTests : IDisposable
{
    private static readonly BlobPolicy GzipDirectory = new(LayerCompression.Gzip, DeleteCorruptBlobs: true);
    private static readonly string[] Stages = ["base", "build", "runtime"];

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lc-fake-");

    private static readonly CancellationTokenSource Timeout = new(TimeSpan.FromMinutes(5));

    private static CancellationToken Ct => Timeout.Token;

    private string StoreDirectory => Path.Combine(_temp.FullName, "store");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task A_save_then_a_restore_into_an_empty_engine_restores_every_stage_with_the_same_ids()
    {
        var built = BuildStages();
        var store = await OpenAsync(BlobPolicy.Directory);
        var entry = await SaveAsync(built, store, Stages);

        var fresh = new InMemoryDockerEngine();
        var outcome = await new StageImageLoader(fresh, store).LoadAsync(entry, Tag, Ct);

        await AssertRestoredAsync(built, fresh, outcome);
        Assert.Equal(AllDiffIds(built).Order(), fresh.LayersReceived.Order());
        Assert.Equal(AllDiffIds(built).Count, outcome.LayersLoaded);
        Assert.Equal(0, fresh.CompressedLayersReceived);
    }

    [Fact]
    public async Task Only_the_layers_the_engine_lacks_are_sent_and_a_second_restore_sends_nothing()
    {
        var built = BuildStages();
        var store = await OpenAsync(BlobPolicy.Directory);
        var entry = await SaveAsync(built, store, Stages);

        // The runner has the base image (pulled or preloaded): its layer must not be sent again.
        var fresh = new InMemoryDockerEngine();
        fresh.CreateImage("busybox:latest", [BusyboxLayer]);
        var outcome = await new StageImageLoader(fresh, store).LoadAsync(entry, Tag, Ct);

        await AssertRestoredAsync(built, fresh, outcome);
        var baseLayer = DiffId.FromDigest(Digest.Compute(BusyboxLayer));
        Assert.DoesNotContain(baseLayer, fresh.LayersReceived);
        Assert.Equal(AllDiffIds(built).Count - 1, fresh.LayersReceived.Count);
        Assert.Equal(fresh.LayersReceived.Count, outcome.LayersLoaded);

        var loads = fresh.Loads;
        var again = await new StageImageLoader(fresh, store).LoadAsync(entry, Tag, Ct);
        Assert.Equal(0, again.LayersLoaded);
        Assert.Equal(loads, fresh.Loads);
        Assert.Equal(AllDiffIds(built).Count - 1, fresh.LayersReceived.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_corrupt_store_blob_is_refused_and_the_engine_registers_nothing(bool gzip)
    {
        var built = BuildStages();
        var store = await OpenAsync(gzip ? GzipDirectory : BlobPolicy.Directory);
        var entry = await SaveAsync(built, store, Stages);
        var victim = entry.Stages.SelectMany(s => s.Layers).MaxBy(l => l.Stored.Size)!.Stored;
        FlipByte(BlobPath(victim.Digest), victim.Size / 2);

        var fresh = new InMemoryDockerEngine();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => new StageImageLoader(fresh, store).LoadAsync(entry, Tag, Ct));

        Assert.True(RestoreStep.IsDamagedContent(failure), failure.ToString());
        Assert.Equal(victim.Digest, RestoreStep.QuarantineTarget(failure));
        Assert.Empty(await fresh.ListImagesAsync(new ImageListOptions { All = true }, Ct));
        Assert.Empty(fresh.LayersReceived);
    }

    [Fact]
    public async Task A_gzip_store_round_trips_and_the_engine_receives_only_plain_tars()
    {
        var built = BuildStages();
        var store = await OpenAsync(GzipDirectory);
        var entry = await SaveAsync(built, store, Stages);
        var layers = entry.Stages.SelectMany(s => s.Layers).ToList();
        Assert.NotEmpty(layers);
        Assert.All(layers, l => Assert.Equal(MediaType.OciLayerGzip, l.Stored.MediaType));
        Assert.All(layers, l => Assert.False(l.IsUncompressed));

        var fresh = new InMemoryDockerEngine();
        fresh.CreateImage("busybox:latest", [BusyboxLayer]);
        var outcome = await new StageImageLoader(fresh, store).LoadAsync(entry, Tag, Ct);

        await AssertRestoredAsync(built, fresh, outcome);
        Assert.Equal(0, fresh.CompressedLayersReceived);
        Assert.Equal(AllDiffIds(built).Count - 1, fresh.LayersReceived.Count);

        // Progress and the report count the bytes read from the store: the compressed ones.
        var sent = layers.Where(l => fresh.LayersReceived.Contains(l.DiffId)).DistinctBy(l => l.DiffId).Sum(l => l.Stored.Size);
        Assert.Equal(sent, outcome.BytesLoaded);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-number")]
    public async Task A_gzip_entry_that_records_no_tar_size_restores_through_a_spool(string? recorded)
    {
        // Entries from before tar sizes were recorded (or with an unreadable one) still restore: the
        // layer is inflated into a temporary file first, which tells its size.
        var built = BuildStages();
        var store = await OpenAsync(GzipDirectory);
        var entry = WithTarSizes(await SaveAsync(built, store, Stages), _ => recorded);

        var fresh = new InMemoryDockerEngine();
        var outcome = await new StageImageLoader(fresh, store).LoadAsync(entry, Tag, Ct);

        await AssertRestoredAsync(built, fresh, outcome);
        Assert.Equal(0, fresh.CompressedLayersReceived);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(-100_000)]
    [InlineData(1L << 40)]
    public async Task A_gzip_entry_that_records_a_wrong_tar_size_is_damaged_and_the_engine_registers_nothing(long delta)
    {
        // The size is the entry's word, which the content must bear out: the archive fails, nothing is
        // registered, and no blob is quarantined (the blobs are fine; the entry lies).
        var built = BuildStages();
        var store = await OpenAsync(GzipDirectory);
        var saved = await SaveAsync(built, store, Stages);
        var victim = saved.Stages.SelectMany(s => s.Layers).MaxBy(l => l.Stored.Size)!;
        var entry = WithTarSizes(saved, layer => layer.Stored.Digest == victim.Stored.Digest
            ? (long.Parse(layer.Stored.GetAnnotation(StoreAnnotations.LayerTarSize)!, System.Globalization.CultureInfo.InvariantCulture) + delta).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : layer.Stored.GetAnnotation(StoreAnnotations.LayerTarSize));

        var fresh = new InMemoryDockerEngine();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => new StageImageLoader(fresh, store).LoadAsync(entry, Tag, Ct));

        Assert.True(RestoreStep.IsDamagedContent(failure), failure.ToString());
        Assert.Null(RestoreStep.QuarantineTarget(failure));
        Assert.Empty(await fresh.ListImagesAsync(new ImageListOptions { All = true }, Ct));
        Assert.Empty(fresh.LayersReceived);
    }

    /// <summary>The entry with each stage layer's recorded tar size replaced (null: none recorded).</summary>
    private static CacheEntry WithTarSizes(CacheEntry entry, Func<LayerRecord, string?> size) => entry with
    {
        Stages = [.. entry.Stages.Select(stage => stage with
        {
            Layers = [.. stage.Layers.Select(layer => layer with
            {
                Stored = layer.Stored with
                {
                    Annotations = size(layer) is { } value
                        ? new Dictionary<string, string>(StringComparer.Ordinal) { [StoreAnnotations.LayerTarSize] = value }
                        : null,
                },
            })],
        })],
    };

    [Fact]
    public async Task A_store_with_uncompressed_and_gzip_layers_restores()
    {
        var built = BuildStages();

        // An entry saved while the store kept layers uncompressed, then one saved with gzip: the
        // later entry references the earlier uncompressed layers and adds gzip ones.
        var plain = await OpenAsync(BlobPolicy.Directory);
        await SaveAsync(built, plain, ["base"]);
        var gzip = await OpenAsync(GzipDirectory);
        var entry = await SaveAsync(built, gzip, Stages, await gzip.ListEntriesAsync(Ct));
        var types = entry.Stages.SelectMany(s => s.Layers).Select(l => l.Stored.MediaType).ToHashSet();
        Assert.Contains(MediaType.OciLayer, types);
        Assert.Contains(MediaType.OciLayerGzip, types);

        var fresh = new InMemoryDockerEngine();
        var outcome = await new StageImageLoader(fresh, gzip).LoadAsync(entry, Tag, Ct);
        await AssertRestoredAsync(built, fresh, outcome);
        Assert.Equal(AllDiffIds(built).Order(), fresh.LayersReceived.Order());
    }

    [Fact]
    public async Task A_restored_engine_saves_again_to_the_same_entry_content()
    {
        // The round trip closes: what the fake restored exports to the very same stage images.
        var built = BuildStages();
        var store = await OpenAsync(BlobPolicy.Directory);
        var entry = await SaveAsync(built, store, Stages);
        var fresh = new InMemoryDockerEngine();
        await new StageImageLoader(fresh, store).LoadAsync(entry, Tag, Ct);

        var second = await OpenAsync(BlobPolicy.Directory, "store2");
        var again = await SaveAsync(fresh, second, Stages, tagOf: Tag);
        Assert.Equal(entry.Stages.Select(s => s.ManifestDigest), again.Stages.Select(s => s.ManifestDigest));
    }

    [Fact]
    public async Task A_gzip_bomb_in_a_consistent_entry_is_refused_at_the_bound_and_the_engine_registers_nothing()
    {
        // Someone with write access to a shared cache swaps a layer for a small blob that inflates
        // to 128 MiB of zeros, keeping every digest consistent: only inflating it tells.
        var built = BuildStages();
        var store = await OpenAsync(GzipDirectory);
        var entry = await SaveAsync(built, store, Stages);
        var (bomb, bombSize, bombDiffId) = await WriteBombAsync(store, 128L * 1024 * 1024);
        Assert.True(bombSize * StageImageLoader.MaxInflationRatio < 128L * 1024 * 1024, $"the bomb is {bombSize} bytes");

        var runtime = entry.Stages.Single(s => s.Name == "runtime");
        var manifest = OciJson.DeserializeManifest(await ReadBlobAsync(store, runtime.ManifestDigest));
        var config = OciJson.DeserializeConfig(await ReadBlobAsync(store, manifest.Config.Digest));
        var diffIds = config.DiffIds.ToList();
        diffIds[^1] = bombDiffId;
        var newConfig = OciJson.SerializeWithDigest(config with { RootFs = config.RootFs! with { DiffIds = diffIds } });
        await store.Blobs.WriteAsync(newConfig, Ct);
        var layers = manifest.Layers.ToList();
        layers[^1] = new Descriptor { MediaType = MediaType.OciLayerGzip, Digest = bomb, Size = bombSize };
        var newManifest = OciJson.SerializeWithDigest(manifest with { Config = manifest.Config with { Digest = newConfig.Digest, Size = newConfig.Size }, Layers = layers });
        await store.Blobs.WriteAsync(newManifest, Ct);
        var hostile = entry with { Stages = [new StageImage { Name = "runtime", ManifestDigest = newManifest.Digest }] };

        var fresh = new InMemoryDockerEngine();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => new StageImageLoader(fresh, store).LoadAsync(hostile, Tag, Ct));
        Assert.True(RestoreStep.IsDamagedContent(failure), failure.ToString());
        Assert.Equal(bomb, RestoreStep.QuarantineTarget(failure));
        Assert.Contains("inflates to more than", failure.ToString(), StringComparison.Ordinal);
        Assert.Empty(await fresh.ListImagesAsync(new ImageListOptions { All = true }, Ct));
        Assert.Empty(fresh.LayersReceived);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $"layercache-inflate-{bombDiffId.Digest.Hex[..12]}-*"));
    }

    [Theory]
    [InlineData(MediaType.OciLayerZstd, "zstd")]
    [InlineData("application/vnd.oci.image.layer.v1.tar+bzip2", "does not restore")]
    public void A_layer_compression_the_engine_cannot_take_is_refused_with_the_reason(string mediaType, string reason)
    {
        var layer = new Descriptor { MediaType = mediaType, Digest = Digest.Compute("x"u8.ToArray()), Size = 1 };
        var error = Assert.Throws<StoreUnsupportedException>(() => StageImageLoader.CompressionOf(layer, "build"));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        if (reason == "zstd")
        {
            Assert.Contains("dockerd 20.10", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_fake_refuses_a_layer_that_is_not_its_diffid_and_a_missing_layer_file()
    {
        var source = new InMemoryDockerEngine();
        var id = source.CreateImage("app:1", [BusyboxLayer, LayerTar(("app/main", "v1"))]);
        var configBytes = await ArchiveConfigAsync(source, id);
        var config = OciJson.DeserializeConfig(configBytes.Span);

        // The second layer's file holds other content than its DiffId.
        var wrong = await ArchiveAsync(configBytes, config, id, [BusyboxLayer, LayerTar(("app/main", "v2"))]);
        var engine = new InMemoryDockerEngine();
        var mismatch = await Assert.ThrowsAsync<DockerEngineException>(() => engine.LoadImagesAsync(new MemoryStream(wrong), null, Ct));
        Assert.Contains("invalid diffID for layer 1", mismatch.Message, StringComparison.Ordinal);
        Assert.Null(await engine.InspectImageAsync("app:1", Ct));

        // A layer left out that the engine does not have.
        var missing = await ArchiveAsync(configBytes, config, id, [BusyboxLayer, null]);
        var absent = await Assert.ThrowsAsync<DockerEngineException>(() => engine.LoadImagesAsync(new MemoryStream(missing), null, Ct));
        Assert.Contains("no such file", absent.Message, StringComparison.Ordinal);
        Assert.Empty(engine.ChainIds);

        // Left out, but the engine has it by ChainID: loads.
        engine.CreateImage("busybox:latest", [BusyboxLayer]);
        var skipping = await ArchiveAsync(configBytes, config, id, [null, LayerTar(("app/main", "v1"))]);
        await engine.LoadImagesAsync(new MemoryStream(skipping), null, Ct);
        Assert.Equal(id, (await engine.InspectImageAsync("app:1", Ct))!.Id);
    }

    private static byte[] BusyboxLayer { get; } = LayerTar(("bin/busybox", new string('b', 5000)), ("etc/passwd", "root:x:0:0::/root:/bin/sh"));

    private static string Tag(string stage) => $"localhost/layercache/test:{stage}";

    /// <summary>An engine after a build: three stages, each on the previous, the first on a base image.</summary>
    private static InMemoryDockerEngine BuildStages()
    {
        var engine = new InMemoryDockerEngine();
        engine.CreateImage("busybox:latest", [BusyboxLayer]);
        engine.CreateImage("stage:base", [LayerTar(("etc/app.conf", "mode=prod")), LayerTar(("usr/lib/libx.so", new string('x', 200_000)))], "busybox:latest");
        engine.CreateImage("stage:build", [LayerTar(("src/main.c", "int main() { return 0; }")), LayerTar(("out/app", new string('a', 70_001)))], "stage:base");
        engine.CreateImage("stage:runtime", [LayerTar(("app", new string('r', 30_000)))], "stage:base", env: ["PATH=/bin", "MODE=runtime"]);
        return engine;
    }

    private static List<DiffId> AllDiffIds(InMemoryDockerEngine engine) =>
        [.. Stages.SelectMany(s => engine.Layers("stage:" + s)).Distinct()];

    private static async Task AssertRestoredAsync(InMemoryDockerEngine built, InMemoryDockerEngine fresh, LoadOutcome outcome)
    {
        Assert.Equal(Stages.Order(), outcome.Stages.Select(s => s.Stage).Order());
        foreach (var stage in Stages)
        {
            var original = await built.InspectImageAsync("stage:" + stage, Ct);
            var restored = await fresh.InspectImageAsync(Tag(stage), Ct);
            Assert.NotNull(restored);
            Assert.Equal(original!.Id, restored.Id);
            Assert.Equal(original.Layers, restored.Layers);
        }

        Assert.Equal(Stages.Select(Tag).Order(), outcome.CacheFrom.Order());
    }

    private async Task<FileSystemCacheStore> OpenAsync(BlobPolicy policy, string name = "store") =>
        await FileSystemCacheStore.OpenAsync(Path.Combine(_temp.FullName, name), new FileSystemCacheStoreOptions { Policy = policy }, Ct);

    private static async Task<CacheEntry> SaveAsync(InMemoryDockerEngine engine, ICacheStore store, IReadOnlyList<string> stages, IReadOnlyList<CacheEntry>? known = null, Func<string, string>? tagOf = null)
    {
        var sources = new List<StageSource>();
        foreach (var stage in stages)
        {
            var name = tagOf?.Invoke(stage) ?? "stage:" + stage;
            sources.Add(new StageSource(stage, (await engine.InspectImageAsync(name, Ct))!));
        }

        await using var session = await store.BeginWriteAsync(Ct);
        var result = await new StageImageExporter(engine, store).ExportAsync(sources, known ?? [], Ct);
        return await store.PutEntryAsync(
            new CacheEntry { Scope = CacheScope.Parse("test/main"), Created = DateTimeOffset.UtcNow, Key = Digest.Compute(Encoding.UTF8.GetBytes(string.Join(",", stages) + store.Policy)), Stages = result.Stages },
            Ct);
    }

    /// <summary>Writes a gzip'd tar of one file of <paramref name="zeros"/> zero bytes to the store, streamed (never in memory inflated).</summary>
    private static async Task<(Digest Blob, long Size, DiffId DiffId)> WriteBombAsync(ICacheStore store, long zeros)
    {
        var compressed = new MemoryStream();
        DiffId diffId;
        await using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        await using (var tar = new DigestingStream(gzip, leaveOpen: true))
        {
            await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "zeros") { DataStream = new ZeroStream(zeros) }, Ct);
            }

            diffId = DiffId.FromDigest(tar.Digest);
        }

        var bytes = compressed.ToArray();
        var blob = await store.Blobs.WriteAsync(new MemoryStream(bytes), Digest.Compute(bytes), bytes.Length, Ct);
        return (blob.Digest, blob.Size, diffId);
    }

    private static async Task<byte[]> ReadBlobAsync(ICacheStore store, Digest digest)
    {
        await using var blob = await store.Blobs.OpenReadAsync(digest, Ct);
        return await DocumentReader.ReadAsync(blob, digest.Value, Ct);
    }

    private string BlobPath(Digest digest) => Path.Combine(StoreDirectory, "blobs", digest.AlgorithmName, digest.Hex);

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)~value);
    }

    private static async Task<ReadOnlyMemory<byte>> ArchiveConfigAsync(InMemoryDockerEngine engine, Digest id)
    {
        await using var archive = await engine.SaveImagesAsync([id.Value], Ct);
        var contents = await DockerArchiveReader.ReadAsync(archive, null, Ct);
        return Assert.Single(contents.GetImages()).ConfigContent;
    }

    /// <summary>A <c>docker load</c> archive of one image tagged app:1 with these layer files (null: left out).</summary>
    private static async Task<byte[]> ArchiveAsync(ReadOnlyMemory<byte> configBytes, ImageConfig config, Digest id, IReadOnlyList<byte[]?> layers)
    {
        var output = new MemoryStream();
        await using (var writer = new DockerArchiveWriter(output, leaveOpen: true))
        {
            await writer.WriteConfigAsync(configBytes, Ct);
            for (var i = 0; i < layers.Count; i++)
            {
                if (layers[i] is { } tar)
                {
                    await writer.WriteLayerAsync(config.DiffIds[i], new MemoryStream(tar), tar.Length, Ct);
                }
            }

            writer.AddImage(id, config.DiffIds, [ImageReference.Parse("app:1")]);
            await writer.CompleteAsync(Ct);
        }

        return output.ToArray();
    }

    private static byte[] LayerTar(params (string Name, string Content)[] files)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    ModificationTime = DateTimeOffset.UnixEpoch,
                });
            }
        }

        return output.ToArray();
    }
}
