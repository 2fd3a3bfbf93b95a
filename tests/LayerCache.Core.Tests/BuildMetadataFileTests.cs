using System.Text.Json.Nodes;
using LayerCache.Core.Reports;

namespace LayerCache.Core.Tests;

/// <summary><c>--metadata-file</c>: taken from docker's flags where docker has none, and merged without overriding docker's keys.</summary>
public sealed class BuildMetadataFileTests
{
    private const string Id = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Pushed = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    private static RunReport Report(string? digest = null) => new()
    {
        Command = "build",
        Scope = "p/main",
        Key = "sha256:3333333333333333333333333333333333333333333333333333333333333333",
        Target = "runtime",
        Restore = new RestoreReport { Hit = true, Entry = "e1" },
        Build = new BuildReport
        {
            Builder = "classic",
            ImageId = Id,
            ImageDigest = digest,
            SecondsSaved = 4.5,
            Stages = [new StageBuildReport("base", "localhost/layercache/p/main:base", Id, [new StepReport(2, "RUN x", StepStatus.Cached, null)], null)],
        },
        Save = new SaveReport { Saved = false },
    };

    [Theory]
    [InlineData(new[] { "--metadata-file", "m.json", "--label", "a=b" }, "m.json")]
    [InlineData(new[] { "--metadata-file=m.json", "--label", "a=b" }, "m.json")]
    [InlineData(new[] { "--metadata-file", "first.json", "--label", "a=b", "--metadata-file=m.json" }, "m.json")]
    [InlineData(new[] { "--label", "a=b" }, null)]
    public void Take_finds_the_last_flag_and_leaves_the_others(string[] args, string? expected)
    {
        var (path, others) = BuildMetadataFile.Take(args);

        Assert.Equal(expected, path);
        Assert.Equal(["--label", "a=b"], others);
    }

    [Fact]
    public void Without_docker_s_file_the_shared_buildx_keys_and_layercache_s_summary_are_written()
    {
        var json = BuildMetadataFile.Merge(null, Report(), ["app:1", "registry.example/app:1"]);

        Assert.Equal(Id, (string?)json["containerimage.config.digest"]);
        Assert.Equal("app:1,registry.example/app:1", (string?)json["image.name"]);
        Assert.False(json.ContainsKey("containerimage.digest"), "a local image has no manifest digest: none is invented");
        Assert.False(json.ContainsKey("buildx.build.ref"), "there is no buildx build record to name");
        var own = json[BuildMetadataFile.LayerCacheKey]!.AsObject();
        Assert.Equal(1, (int)own["schemaVersion"]!);
        Assert.True((bool)own["restoreHit"]!);
        Assert.Equal(1, (int)own["stepsCached"]!);
        Assert.Equal(Id, (string?)own["stages"]!["base"]);
        Assert.Null(own["savedEntry"]);
    }

    [Fact]
    public void Docker_s_keys_keep_docker_s_values_and_layercache_adds_what_is_missing()
    {
        var docker = new JsonObject
        {
            ["containerimage.config.digest"] = "sha256:from-docker",
            ["containerimage.digest"] = Pushed,
            ["buildx.build.ref"] = "default/default/abc",
        };

        var json = BuildMetadataFile.Merge(docker, Report(Pushed), ["app:1"]);

        Assert.Equal("sha256:from-docker", (string?)json["containerimage.config.digest"]);
        Assert.Equal(Pushed, (string?)json["containerimage.digest"]);
        Assert.Equal("default/default/abc", (string?)json["buildx.build.ref"]);
        Assert.Equal("app:1", (string?)json["image.name"]);
        Assert.NotNull(json[BuildMetadataFile.LayerCacheKey]);
    }

    [Fact]
    public async Task The_file_is_written_atomically_and_docker_s_is_read_bounded()
    {
        var dir = Directory.CreateTempSubdirectory("lc-meta-").FullName;
        try
        {
            var path = Path.Combine(dir, "meta.json");
            Assert.Null(await BuildMetadataFile.ReadDockerAsync(path, CancellationToken.None));
            await File.WriteAllTextAsync(path, "[1, 2]");
            Assert.Null(await BuildMetadataFile.ReadDockerAsync(path, CancellationToken.None));
            await File.WriteAllTextAsync(path, "{\"containerimage.digest\": \"" + Pushed + "\"}");
            var docker = await BuildMetadataFile.ReadDockerAsync(path, CancellationToken.None);

            await BuildMetadataFile.WriteAsync(path, BuildMetadataFile.Merge(docker, Report(), []), CancellationToken.None);

            var written = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
            Assert.Equal(Pushed, (string?)written["containerimage.digest"]);
            Assert.Equal(Id, (string?)written["containerimage.config.digest"]);
            Assert.Equal(["meta.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
