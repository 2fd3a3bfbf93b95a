using System.Net;
using LayerCache.Testing;

namespace LayerCache.Docker.Tests;

/// <summary>Metadata operations against one private dockerd with the pinned busybox loaded.</summary>
public sealed class EngineApiTests(PrivateDockerd engine) : IClassFixture<PrivateDockerd>, IDisposable
{
    private readonly DockerEngineClient _client = new(DockerEndpoint.Parse(engine.Host));
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _client.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Ping_reports_the_engine_api_version_and_negotiation_uses_it()
    {
        var ping = await _client.PingAsync(Ct);
        Assert.Equal("1.41", ping.ApiVersion);
        Assert.Equal("linux", ping.OsType);
        Assert.Equal("1.41", await _client.GetApiVersionAsync(Ct));
    }

    [Fact]
    public async Task Version_and_info_describe_the_private_engine()
    {
        var version = await _client.VersionAsync(Ct);
        Assert.StartsWith("20.10", version.Version, StringComparison.Ordinal);
        Assert.Equal("1.41", version.ApiVersion);
        Assert.NotNull(version.MinApiVersion);

        var info = await _client.InfoAsync(Ct);
        Assert.Equal(engine.DataRoot, info.DockerRootDir);
        Assert.Equal("overlay2", info.StorageDriver);
        Assert.True(info.Images >= 1);
        // Why a private registry on 127.0.0.1 needs no --insecure-registry flag.
        Assert.Contains("127.0.0.0/8", info.InsecureRegistryCidrs);
    }

    [Fact]
    public async Task Inspect_of_the_loaded_busybox_image_is_typed()
    {
        var image = await _client.InspectImageAsync(TestImages.Busybox, Ct);

        Assert.NotNull(image);
        Assert.Equal("sha256", image.Id.AlgorithmName);
        Assert.Contains(TestImages.Busybox, image.RepoTags);
        Assert.Empty(image.RepoDigests);
        Assert.Null(image.Parent); // a loaded image has no parent chain
        Assert.Equal(2, image.Layers.Count); // COPY busybox, RUN --install
        Assert.Equal("linux", image.Os);
        Assert.True(image.Size > 1_000_000);
        Assert.True(image.Created > new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));

        var byId = await _client.InspectImageAsync(image.Id.Value, Ct);
        Assert.Equal(image.Id, byId?.Id);
    }

    [Fact]
    public async Task Inspect_of_a_missing_image_returns_null_and_other_calls_throw_typed_404()
    {
        Assert.Null(await _client.InspectImageAsync("lc-missing/nothing:here", Ct));

        var ex = await Assert.ThrowsAsync<DockerEngineException>(() => _client.ImageHistoryAsync("lc-missing/nothing:here", Ct));
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.True(ex.IsNotFound);
        Assert.Contains("No such image", ex.EngineMessage, StringComparison.Ordinal);
        Assert.Contains("lc-missing/nothing:here", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_and_history_see_the_busybox_image()
    {
        var busybox = await _client.InspectImageAsync(TestImages.Busybox, Ct);
        var all = await _client.ListImagesAsync(new ImageListOptions { All = true }, Ct);
        Assert.Contains(all, i => i.Id == busybox!.Id && i.RepoTags.Contains(TestImages.Busybox));

        var filtered = await _client.ListImagesAsync(
            new ImageListOptions { Filters = new Dictionary<string, IReadOnlyList<string>> { ["reference"] = ["busybox"] } }, Ct);
        Assert.All(filtered, i => Assert.Contains(i.RepoTags, t => t.StartsWith("busybox:", StringComparison.Ordinal)));
        Assert.NotEmpty(filtered);

        var none = await _client.ListImagesAsync(
            new ImageListOptions { Filters = new Dictionary<string, IReadOnlyList<string>> { ["label"] = ["lc.no-such-label=1"] } }, Ct);
        Assert.Empty(none);

        var history = await _client.ImageHistoryAsync(TestImages.Busybox, Ct);
        Assert.Equal(2, history.Count);
        Assert.Equal(busybox!.Id, history[0].Id);
        Assert.Contains("--install", history[0].CreatedBy, StringComparison.Ordinal);
        Assert.Contains("COPY", history[1].CreatedBy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tag_then_remove_the_tag_keeps_the_image()
    {
        var busybox = await _client.InspectImageAsync(TestImages.Busybox, Ct);
        await _client.TagImageAsync(TestImages.Busybox, "lc-test/tagged:one", Ct);
        await _client.TagImageAsync(TestImages.Busybox, "127.0.0.1:5999/lc-test/ported", Ct);

        var tagged = await _client.InspectImageAsync("lc-test/tagged:one", Ct);
        Assert.Equal(busybox!.Id, tagged?.Id);
        Assert.Contains("127.0.0.1:5999/lc-test/ported:latest", tagged!.RepoTags);

        var removed = await _client.RemoveImageAsync("lc-test/tagged:one", force: false, Ct);
        Assert.Equal([new DockerImageDeleteResult("lc-test/tagged:one", null)], removed);
        await _client.RemoveImageAsync("127.0.0.1:5999/lc-test/ported:latest", force: false, Ct);

        Assert.Null(await _client.InspectImageAsync("lc-test/tagged:one", Ct));
        Assert.NotNull(await _client.InspectImageAsync(TestImages.Busybox, Ct));

        var ex = await Assert.ThrowsAsync<DockerEngineException>(() => _client.RemoveImageAsync("lc-test/tagged:one", force: false, Ct));
        Assert.True(ex.IsNotFound);
    }
}
