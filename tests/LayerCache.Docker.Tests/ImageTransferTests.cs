using System.Formats.Tar;
using LayerCache.Testing;
using Xunit.Abstractions;

namespace LayerCache.Docker.Tests;

/// <summary>Moving images between engines: streamed save/load, and push/pull through a private registry.</summary>
public sealed class ImageTransferTests(PrivateDockerd engine, PrivateRegistry registry, ITestOutputHelper output)
    : IClassFixture<PrivateDockerd>, IClassFixture<PrivateRegistry>, IDisposable
{
    private readonly DockerEngineClient _client = new(DockerEndpoint.Parse(engine.Host));
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _client.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Save_streams_into_load_of_a_fresh_engine_with_the_same_image_id()
    {
        var source = await _client.InspectImageAsync(TestImages.Busybox, Ct);
        await using var fresh = await PrivateDockerd.StartAsync(loadBaseImages: false, Ct);
        output.WriteLine($"fresh engine answered /_ping after {fresh.StartupTime.TotalMilliseconds:0} ms");
        using var target = new DockerEngineClient(DockerEndpoint.Parse(fresh.Host));
        Assert.Null(await target.InspectImageAsync(TestImages.Busybox, Ct));

        // The save body goes straight into the load request: nothing is buffered on disk or in memory.
        var messages = new List<JsonMessage>();
        await using (var saved = await _client.SaveImagesAsync([TestImages.Busybox], Ct))
        {
            var result = await target.LoadImagesAsync(saved, new SyncProgress(messages), Ct);
            Assert.Equal([TestImages.Busybox], result.LoadedImages);
        }

        Assert.Contains(messages, m => m.Stream?.Contains("Loaded image", StringComparison.Ordinal) == true);
        var loaded = await target.InspectImageAsync(TestImages.Busybox, Ct);
        Assert.Equal(source!.Id, loaded?.Id);
        Assert.Equal(source.Layers, loaded!.Layers);
    }

    [Fact]
    public async Task Saved_stream_is_a_docker_archive()
    {
        await using var saved = await _client.SaveImagesAsync([TestImages.Busybox], Ct);
        await using var tar = new TarReader(saved);
        var names = new List<string>();
        while (await tar.GetNextEntryAsync(copyData: false, Ct) is { } entry)
        {
            names.Add(entry.Name);
        }

        Assert.Contains("manifest.json", names);
        Assert.Contains("repositories", names);
        Assert.Contains(names, n => n.EndsWith("/layer.tar", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Save_of_a_missing_image_is_a_typed_404()
    {
        var ex = await Assert.ThrowsAsync<DockerEngineException>(() => _client.SaveImagesAsync(["lc-missing/nothing:here"], Ct));
        Assert.True(ex.IsNotFound);
    }

    [Fact]
    public async Task Load_of_a_corrupt_archive_is_a_typed_engine_error()
    {
        using var garbage = new MemoryStream("this is not a tar archive"u8.ToArray());
        var ex = await Assert.ThrowsAsync<DockerEngineException>(() => _client.LoadImagesAsync(garbage, null, Ct));
        output.WriteLine(ex.Message);
        Assert.False(string.IsNullOrWhiteSpace(ex.EngineMessage));
        Assert.True(garbage.CanRead, "the caller's stream must stay open");
    }

    [Fact]
    public async Task Push_to_the_private_registry_then_pull_into_a_fresh_engine()
    {
        var source = await _client.InspectImageAsync(TestImages.Busybox, Ct);
        var reference = $"{registry.Address}/lc-test/busybox:pushed";
        await _client.TagImageAsync(TestImages.Busybox, reference, Ct);

        var progress = new List<JsonMessage>();
        var pushed = await _client.PushImageAsync(reference, null, new SyncProgress(progress), Ct);
        Assert.Equal("pushed", pushed.Tag);
        Assert.True(pushed.Size > 0);
        Assert.Contains(progress, m => m.Status == "Pushed" || m.Status == "Layer already exists");

        // The registry serves the manifest under the digest the engine reported.
        using (var http = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(registry.BaseUri, "v2/lc-test/busybox/manifests/pushed"));
            request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(pushed.Digest.Value, response.Headers.GetValues("Docker-Content-Digest").Single());
        }

        var afterPush = await _client.InspectImageAsync(reference, Ct);
        Assert.Contains($"{registry.Address}/lc-test/busybox@{pushed.Digest}", afterPush!.RepoDigests);

        await using var fresh = await PrivateDockerd.StartAsync(loadBaseImages: false, Ct);
        using var target = new DockerEngineClient(DockerEndpoint.Parse(fresh.Host));
        var pulled = await target.PullImageAsync(reference, null, null, Ct);
        Assert.Equal(pushed.Digest, pulled.Digest);
        Assert.True(pulled.Downloaded);
        Assert.Equal(source!.Id, (await target.InspectImageAsync(reference, Ct))?.Id);

        var byDigest = await target.PullImageAsync($"{registry.Address}/lc-test/busybox@{pushed.Digest}", null, null, Ct);
        Assert.False(byDigest.Downloaded);
    }

    [Fact]
    public async Task Pull_of_a_missing_tag_is_a_typed_error_naming_it()
    {
        var ex = await Assert.ThrowsAsync<DockerEngineException>(
            () => _client.PullImageAsync($"{registry.Address}/lc-test/absent:nope", null, null, Ct));
        output.WriteLine(ex.Message);
        Assert.True(ex.IsNotFound, ex.Message);
        Assert.Contains("absent", ex.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_of_a_missing_image_is_a_typed_error()
    {
        var ex = await Assert.ThrowsAsync<DockerEngineException>(
            () => _client.PushImageAsync($"{registry.Address}/lc-test/absent:nope", null, null, Ct));
        output.WriteLine(ex.Message);
        Assert.Contains("absent", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>IProgress that records synchronously (Progress&lt;T&gt; posts to the thread pool and may lag).</summary>
    private sealed class SyncProgress(List<JsonMessage> sink) : IProgress<JsonMessage>
    {
        public void Report(JsonMessage value)
        {
            lock (sink)
            {
                sink.Add(value);
            }
        }
    }
}
