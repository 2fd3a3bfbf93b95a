using System.Text;
using System.Text.Json;
using Json.Schema;
using LayerCache.Core.Reports;
using LayerCache.Oci;
using LayerCache.Store;
using LayerCache.Testing;

namespace LayerCache.Cli.Tests;

/// <summary>
/// <c>docs/schema/report-v1.json</c> against the real output of the commands that need no engine
/// (<c>ls</c>, <c>prune</c>, <c>verify</c>, <c>stages</c>, <c>stats</c>) over real stores; build,
/// restore, save and key are checked on private engines in EndToEnd.Tests (ReportSchemaTests).
/// </summary>
public sealed class JsonSchemaTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 30, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("lc-schema-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StoreDir => Path.Combine(_dir, "store");

    [Fact]
    public void The_schema_files_are_valid_draft_2020_12_schemas_of_the_current_version()
    {
        foreach (var name in new[] { "report-v1.json", "metadata-v1.json" })
        {
            var text = File.ReadAllText(ReportSchemas.PathOf(name));
            using var document = JsonDocument.Parse(text);
            Assert.Equal("https://json-schema.org/draft/2020-12/schema", document.RootElement.GetProperty("$schema").GetString());
            var meta = MetaSchemas.Draft202012.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(meta.IsValid, name + " is not a valid draft 2020-12 schema");
        }

        var version = JsonDocument.Parse(File.ReadAllText(ReportSchemas.PathOf("report-v1.json"))).RootElement
            .GetProperty("$defs").GetProperty("runReport").GetProperty("properties").GetProperty("schemaVersion").GetProperty("const").GetInt32();
        Assert.Equal(ReportSchema.Version, version);
    }

    [Fact]
    public async Task Ls_prune_verify_json_of_a_real_store_match_the_schema_and_start_with_the_version()
    {
        await PutAsync("a");
        await PutAsync("b");
        var store = "dir:" + StoreDir;

        foreach (var args in new[]
        {
            new[] { "ls", "--cache", store, "--format", "json" },
            ["verify", "--cache", store, "--format", "json"],
            ["prune", "--cache", store, "--keep", "current", "--format", "json"],
            ["ls", "--cache", store, "--format", "json"],
        })
        {
            var (code, stdout, stderr) = await CliRunner.RunAsync(args);
            Assert.True(code == 0, string.Join(' ', args) + ": " + stderr);
            ReportSchemas.AssertValid(ReportSchemas.Report, stdout);
            using var json = JsonDocument.Parse(stdout);
            Assert.Equal("schemaVersion", json.RootElement.EnumerateObject().First().Name);
        }

        var listing = JsonDocument.Parse((await CliRunner.RunAsync("ls", "--cache", store, "--format", "json")).Stdout).RootElement;
        Assert.Equal(1, listing.GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task Verify_json_of_a_corrupt_store_matches_the_schema_and_exits_1()
    {
        var layer = await PutAsync("a");
        var path = Path.Combine(StoreDir, "blobs", "sha256", layer.Hex);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[0] ^= 0xff;
        await File.WriteAllBytesAsync(path, bytes);

        var (code, stdout, _) = await CliRunner.RunAsync("verify", "--cache", "dir:" + StoreDir, "--format", "json");

        Assert.Equal(1, code);
        ReportSchemas.AssertValid(ReportSchemas.Report, stdout);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.False(root.GetProperty("clean").GetBoolean());
        Assert.Equal("corrupt", root.GetProperty("problems")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Stages_and_stats_json_match_the_schema()
    {
        var example = Path.Combine(CliRunner.RepositoryRoot, "examples", "multistage");
        var stages = await CliRunner.RunAsync("stages", "--format", "json", example);
        Assert.Equal(0, stages.ExitCode);
        ReportSchemas.AssertValid(ReportSchemas.Report, stages.Stdout);

        await PutAsync("a");
        var history = new FileRunHistory(StoreDir);
        await history.AppendAsync(new RunRecord { Time = T0, Command = "build", Scope = "p/main", Image = "Dockerfile", Builder = "classic", Hit = false, MissReason = "no entry", StepsExecuted = 5, Seconds = 12.5, BytesWritten = 1000, Saved = true }, CancellationToken.None);
        await history.AppendAsync(new RunRecord { Time = T0.AddHours(1), Command = "build", Scope = "p/main", Image = "Dockerfile", Builder = "classic", Hit = true, StepsCached = 5, SecondsSaved = 12.0, Seconds = 1.5, BytesLoaded = 900 }, CancellationToken.None);
        await history.AppendAsync(new RunRecord { Time = T0.AddHours(2), Command = "restore", Scope = "p/main", Image = "Dockerfile", Hit = true, Seconds = 0.5, BytesLoaded = 900 }, CancellationToken.None);

        var stats = await CliRunner.RunAsync("stats", "--cache", "dir:" + StoreDir, "--format", "json");
        Assert.True(stats.ExitCode == 0, stats.Stderr);
        ReportSchemas.AssertValid(ReportSchemas.Report, stats.Stdout);
        var root = JsonDocument.Parse(stats.Stdout).RootElement;
        Assert.Equal(3, root.GetProperty("runs").GetArrayLength());
        Assert.Equal(2, root.GetProperty("totals").GetProperty("hits").GetInt32());

        var none = await CliRunner.RunAsync("stats", "--cache", "dir:" + Path.Combine(_dir, "absent"), "--format", "json");
        ReportSchemas.AssertValid(ReportSchemas.Report, none.Stdout);
    }

    [Fact]
    public void A_full_run_report_matches_and_a_changed_one_does_not()
    {
        var id = Digest.Compute(Encoding.UTF8.GetBytes("image")).Value;
        var report = new RunReport
        {
            Command = "build",
            Scope = "p/main",
            ReadScopes = ["p/main", "p/dev"],
            Key = Digest.Compute(Encoding.UTF8.GetBytes("key")).Value,
            Target = "runtime",
            Restore = new RestoreReport { Hit = true, Entry = "e1", EntryScope = "p/main", EntryCreated = T0, Reasons = ["older entry skipped"], Stages = [new RestoredStage("base", "localhost/layercache/p/main:base", 2, 1, 300)], BytesLoaded = 300, LayersLoaded = 2, LayersSkipped = 1, Seconds = 1.2, CacheFrom = ["localhost/layercache/p/main:base"] },
            Build = new BuildReport
            {
                Builder = "buildkit",
                BuilderReason = "DOCKER_BUILDKIT=1",
                ImageId = id,
                ImageDigest = id,
                RepoDigests = ["127.0.0.1:5000/app@" + id],
                Seconds = 3.4,
                SecondsSaved = 20,
                Stages = [new StageBuildReport("base", "localhost/layercache/p/main:base", id, [new StepReport(2, "RUN make", StepStatus.Cached, 0.1)], null), new StageBuildReport("1", null, null, [], "stage 1 has no name")],
            },
            Save = new SaveReport { Saved = true, Entry = "e2", StagesExported = 1, LayersWritten = 1, BytesWritten = 10, LayerBytesWritten = 8, BytesExported = 20, Seconds = 0.5, StoreBytes = 100 },
            Warnings = ["a warning"],
        };
        var json = JsonSerializer.Serialize(report, CliJsonContext.Default.RunReport);
        ReportSchemas.AssertValid(ReportSchemas.Report, json);

        // The schema is strict: a renamed field, a wrong type or an unknown status fails it.
        Assert.NotNull(ReportSchemas.Errors(ReportSchemas.Report, json.Replace("\"imageDigest\"", "\"digest\"", StringComparison.Ordinal)));
        Assert.NotNull(ReportSchemas.Errors(ReportSchemas.Report, json.Replace("\"Cached\"", "\"cached\"", StringComparison.Ordinal)));
        Assert.NotNull(ReportSchemas.Errors(ReportSchemas.Report, json.Replace("\"schemaVersion\": 1", "\"schemaVersion\": 2", StringComparison.Ordinal)));
    }

    private static async Task<(StageImage Stage, Digest Layer)> AddImageAsync(IBlobStore blobs, string seed)
    {
        async Task<BlobInfo> WriteAsync(byte[] content)
        {
            using var stream = new MemoryStream(content, writable: false);
            return await blobs.WriteAsync(stream, Digest.Compute(content), content.Length, CancellationToken.None);
        }

        var layer = await WriteAsync(Encoding.UTF8.GetBytes($"layer {seed}"));
        var config = OciJson.SerializeWithDigest(new ImageConfig { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [DiffId.FromDigest(layer.Digest)] } });
        await WriteAsync(config.Content.ToArray());
        var manifest = OciJson.SerializeWithDigest(new ImageManifest { MediaType = MediaType.OciImageManifest, Config = config.ToDescriptor(), Layers = [layer.ToDescriptor(MediaType.OciLayer)] });
        await WriteAsync(manifest.Content.ToArray());
        return (new StageImage { Name = "app", ManifestDigest = manifest.Digest }, layer.Digest);
    }

    private async Task<Digest> PutAsync(string seed)
    {
        var store = await FileSystemCacheStore.OpenAsync(StoreDir, CancellationToken.None);
        var (stage, layer) = await AddImageAsync(store.Blobs, seed);
        await store.PutEntryAsync(new CacheEntry { Scope = CacheScope.Parse("p/main"), Image = ImageIdentity.Default, Created = T0, Key = Digest.Compute(Encoding.UTF8.GetBytes(seed)), Stages = [stage] }, CancellationToken.None);
        return layer;
    }
}
