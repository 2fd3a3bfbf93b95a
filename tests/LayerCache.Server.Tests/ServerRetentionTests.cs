using System.Net;
using System.Security.Cryptography;
using LayerCache.Oci;
using LayerCache.Registry.Client;
using LayerCache.Registry.Store;
using LayerCache.Store;
using LayerCache.Store.Conformance;

namespace LayerCache.Server.Tests;

/// <summary>
/// Server-side retention (<c>serve --keep-for</c>, <c>--max-size</c>): entries registry stores pushed
/// are removed when not pulled for the window, or least recently pulled first while the store is over
/// its size; the newest entry of each scope and tags of any other shape stay; the GC then frees the
/// blobs only removed entries used.
/// </summary>
public sealed class ServerRetentionTests
{
    private const string Repository = "acme/app";

    [Fact]
    public async Task An_entry_not_pulled_for_the_window_goes_and_the_newest_of_each_scope_and_other_tags_stay()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        var clock = new MovableClock();
        await using var server = await TestServer.StartAsync(o => o with
        {
            Clock = clock, GcInterval = TimeSpan.FromMilliseconds(100), GcGrace = TimeSpan.FromSeconds(30), KeepFor = TimeSpan.FromHours(2),
        });
        var t0 = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        using var store = await OpenAsync(server, ct);
        var shared = TestImages.Layer("shared");
        var oldMain = await PutAsync(store, "main", t0, [shared, TestImages.Layer("main-1")], ct);
        await PutAsync(store, "main", t0.AddHours(1), [shared, TestImages.Layer("main-2")], ct);
        var pr = await PutAsync(store, "pr-1", t0, [shared, TestImages.Layer("pr-1")], ct);
        var feature = await PutAsync(store, "feature", t0, [shared, TestImages.Layer("feature-1")], ct);
        await PutAsync(store, "feature", t0.AddHours(1), [shared, TestImages.Layer("feature-2")], ct);
        var featureOnly = feature.Layer;
        Assert.True(File.Exists(Path.Combine(server.StoreDirectory, "store", "blobs", "sha256", featureOnly.Hex)));

        // Not an entry: an image someone pushed under a tag of their own, never pulled.
        var latest = await server.Client.GetByteArrayAsync($"/v2/{Repository}/manifests/{pr.Stage}", ct);
        using (var put = new ByteArrayContent(latest))
        {
            put.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaType.OciImageManifest);
            Assert.Equal(HttpStatusCode.Created, (await server.Client.PutAsync($"/v2/{Repository}/manifests/latest", put, ct)).StatusCode);
        }

        await WaitForPassesAsync(ct);
        clock.Advance(TimeSpan.FromHours(1));
        // The old main entry is pulled (as a restore reads it): used 1 h into the window.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"/v2/{Repository}/manifests/{oldMain.Tag}", ct)).StatusCode);
        clock.Advance(TimeSpan.FromHours(1.5));

        var tags = await WaitForTagsAsync(server, tags => !tags.Contains(feature.Tag), ct);
        Assert.Contains(oldMain.Tag, tags);                    // pulled 1.5 h ago
        Assert.Contains("main.20261201T090000Z", tags);       // the newest of main
        Assert.Contains("pr-1.20261201T080000Z", tags);       // the only one of pr-1
        Assert.Contains("feature.20261201T090000Z", tags);    // the newest of feature
        Assert.Contains("latest", tags);                      // not an entry
        Assert.DoesNotContain(feature.Tag, tags);

        // The GC frees what only the removed entry used, and nothing the others use.
        // (Looked for on disk: a HEAD is a check, which renews the blob's grace window.)
        var featureOnlyFile = Path.Combine(server.StoreDirectory, "store", "blobs", "sha256", featureOnly.Hex);
        await WaitForAsync(() => Task.FromResult(!File.Exists(featureOnlyFile)), ct);
        Assert.Contains("layercache_server_retention_removed_entries_total 1", await server.Client.GetStringAsync("/metrics", ct), StringComparison.Ordinal);
        var left = await store.ListEntriesAsync(ct);
        Assert.Equal(4, left.Count);
        foreach (var entry in left)
        {
            Assert.True(await ContentIsCompleteAsync(store, entry, ct), $"entry {entry.RefName} lost content");
        }
    }

    [Fact]
    public async Task Over_the_size_the_least_recently_used_entries_go_until_it_fits()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        var clock = new MovableClock();
        await using var server = await TestServer.StartAsync(o => o with
        {
            // No pass until the clock moves an hour (a pass while the entries are pushed would see another store).
            Clock = clock, GcInterval = TimeSpan.FromHours(1), UploadTimeout = TimeSpan.FromSeconds(2), GcGrace = TimeSpan.FromSeconds(30), MaxSize = 420 * 1024,
        });
        var t0 = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        using var store = await OpenAsync(server, ct);

        // Three entries of one scope, ~150 KB of their own each: about 450 KB, over 420 KB.
        var first = await PutAsync(store, "main", t0, [Big("one")], ct);
        var second = await PutAsync(store, "main", t0.AddHours(1), [Big("two")], ct);
        var third = await PutAsync(store, "main", t0.AddHours(2), [Big("three")], ct);

        // None was pulled: the first seen are equally old, and the oldest tag goes first.
        clock.Advance(TimeSpan.FromHours(1.1));
        var tags = await WaitForTagsAsync(server, tags => !tags.Contains(first.Tag), ct);
        Assert.Contains(second.Tag, tags);
        Assert.Contains(third.Tag, tags);
        await Task.Delay(500, ct);
        Assert.Equal(2, (await store.ListEntriesAsync(ct)).Count); // one removal brought it under the size
    }

    private static byte[] Big(string seed) => TestImages.Layer(($"files/{seed}.bin", Convert.ToBase64String(RandomNumberGenerator.GetBytes(150 * 1024))));

    private static async Task<(string Tag, Digest Stage, Digest Layer)> PutAsync(RegistryCacheStore store, string scope, DateTimeOffset created, byte[][] layers, CancellationToken ct)
    {
        var stage = await TestImages.AddImageAsync(store.Blobs, "app", layers, ct);
        var entry = await store.PutEntryAsync(TestImages.Entry(scope, created, stage), ct);
        return (entry.RefName!, stage.ManifestDigest, Digest.Compute(layers[^1]));
    }

    private static async Task<bool> ContentIsCompleteAsync(RegistryCacheStore store, CacheEntry entry, CancellationToken ct)
    {
        foreach (var stage in entry.Stages)
        {
            if (!await store.Blobs.ExistsAsync(stage.ManifestDigest, ct) || !await store.Blobs.ExistsAsync(stage.ConfigDigest, ct))
            {
                return false;
            }

            foreach (var layer in stage.Layers)
            {
                if (!await store.Blobs.ExistsAsync(layer.Stored.Digest, ct))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static Task WaitForPassesAsync(CancellationToken ct) => Task.Delay(600, ct);

    private static async Task<IReadOnlyList<string>> WaitForTagsAsync(TestServer server, Func<IReadOnlyList<string>, bool> done, CancellationToken ct)
    {
        IReadOnlyList<string> tags = [];
        await WaitForAsync(async () =>
        {
            var json = System.Text.Json.JsonDocument.Parse(await server.Client.GetStringAsync($"/v2/{Repository}/tags/list", ct));
            tags = [.. json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)];
            return done(tags);
        }, ct);
        return tags;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100, ct);
        }

        Assert.Fail("the condition did not hold within 10 s");
    }

    private static Task<RegistryCacheStore> OpenAsync(TestServer server, CancellationToken ct) =>
        RegistryCacheStore.OpenAsync(
            new RegistryCacheStoreOptions { Client = new RegistryClientOptions { Registry = server.HostPort, MaxRetries = 0 }, Repository = Repository },
            ct);

    /// <summary>The system clock moved forward on demand (the server's retention and GC read it).</summary>
    private sealed class MovableClock : TimeProvider
    {
        private long _offsetTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

        // Elapsed times (the GC's grace window, leases) move too.
        public override long GetTimestamp() =>
            base.GetTimestamp() + (long)(Interlocked.Read(ref _offsetTicks) * (TimestampFrequency / (double)TimeSpan.TicksPerSecond));
    }
}
