using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using LayerCache.Oci;

namespace LayerCache.Server.Tests;

/// <summary>
/// The online GC: unreferenced blobs go after the grace window, referenced ones stay, and pushes
/// running while it collects every 100 ms never see a blob vanish after it was accepted or found.
/// </summary>
public sealed class OnlineGcTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Unreferenced_blobs_are_collected_after_the_grace_window_and_referenced_ones_stay()
    {
        await using var server = await TestServer.StartAsync(o => o with { GcInterval = TimeSpan.FromMilliseconds(100), GcGrace = Grace });
        var manifest = await server.PushImageAsync("keep", "v1");
        var orphan = TestServer.RandomBytes(1000);
        await server.PushBlobAsync("keep", orphan);

        // Within the grace window the orphan stays.
        await Task.Delay(500);
        Assert.Equal(HttpStatusCode.OK, (await Head(server, $"/v2/keep/blobs/{TestServer.DigestOf(orphan)}")).StatusCode);

        var deadline = DateTime.UtcNow + Grace * 5;
        while (File.Exists(BlobPath(server, TestServer.DigestOf(orphan))) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.False(File.Exists(BlobPath(server, TestServer.DigestOf(orphan))), "the orphan blob was not collected");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v2/keep/manifests/v1")).StatusCode);
        var parsed = OciJson.DeserializeManifest(manifest);
        foreach (var blob in parsed.Layers.Append(parsed.Config))
        {
            Assert.Equal(HttpStatusCode.OK, (await Head(server, $"/v2/keep/blobs/{blob.Digest}")).StatusCode);
        }
    }

    [Fact]
    public async Task Pushes_while_the_gc_runs_every_100ms_never_lose_a_blob_after_a_201()
    {
        // The wall clock is an hour ahead, so no file's date protects it: only the leases do.
        await using var server = await TestServer.StartAsync(o => o with { GcInterval = TimeSpan.FromMilliseconds(100), GcGrace = Grace, Clock = new SkewedClock(TimeSpan.FromHours(1)) });
        var shared = new ConcurrentBag<byte[]>();
        var failures = new ConcurrentQueue<string>();
        var pushes = 0;

        // Seed blobs that go unreferenced and age past the grace window: later pushes reuse them after a
        // HEAD (the race Distribution's offline GC has: HEAD says present, GC deletes, manifest PUT fails).
        for (var i = 0; i < 20; i++)
        {
            var blob = TestServer.RandomBytes(2000);
            await server.PushBlobAsync("seed", blob);
            shared.Add(blob);
        }

        await Task.Delay(Grace + TimeSpan.FromMilliseconds(200));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(6);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            while (DateTime.UtcNow < until)
            {
                var config = TestServer.RandomBytes(50);
                var layers = new List<byte[]>();
                var reuse = shared.ElementAt(random.Next(shared.Count));
                if ((await Head(server, $"/v2/c{client}/blobs/{TestServer.DigestOf(reuse)}")).StatusCode != HttpStatusCode.OK)
                {
                    await Expect(await server.PushBlobAsync($"c{client}", reuse), HttpStatusCode.Created, "re-push", failures);
                }

                layers.Add(reuse);
                var fresh = TestServer.RandomBytes(random.Next(100, 20_000));
                await Expect(await server.PushBlobAsync($"c{client}", fresh), HttpStatusCode.Created, "blob", failures);
                layers.Add(fresh);
                await Expect(await server.PushBlobAsync($"c{client}", config), HttpStatusCode.Created, "config", failures);

                // An orphan each round keeps the GC busy deleting while others push.
                await server.PushBlobAsync($"c{client}", TestServer.RandomBytes(500));
                await Task.Delay(random.Next(0, 300));
                var manifest = TestServer.Manifest(config, [.. layers]);
                await Expect(await server.PutManifestAsync($"c{client}", $"t{Interlocked.Increment(ref pushes)}", manifest), HttpStatusCode.Created, "manifest", failures);
                foreach (var layer in layers)
                {
                    await Expect(await server.Client.GetAsync($"/v2/c{client}/blobs/{TestServer.DigestOf(layer)}"), HttpStatusCode.OK, "pull", failures);
                }
            }
        })));

        Assert.True(pushes > 20, $"only {pushes} pushes");
        Assert.Empty(failures);
        var metrics = await server.Client.GetStringAsync("/metrics");
        var deleted = long.Parse(Regex.Match(metrics, "layercache_server_gc_deleted_blobs_total (\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(deleted > 0, "the GC deleted nothing, so the race was not exercised");
    }

    private static async Task Expect(HttpResponseMessage response, HttpStatusCode status, string what, ConcurrentQueue<string> failures)
    {
        if (response.StatusCode != status)
        {
            failures.Enqueue($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static Task<HttpResponseMessage> Head(TestServer server, string path) =>
        server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

    private static string BlobPath(TestServer server, Digest digest) =>
        Path.Combine(server.StoreDirectory, "store", "blobs", digest.AlgorithmName, digest.Hex);
}
