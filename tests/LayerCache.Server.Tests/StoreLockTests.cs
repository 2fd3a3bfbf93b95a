using LayerCache.Store;

namespace LayerCache.Server.Tests;

/// <summary>While serving, the server holds the store's write session: a prune of the same store waits (and would collect nothing a client is pushing).</summary>
public sealed class StoreLockTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_prune_of_the_served_store_waits_while_the_server_holds_its_lock(bool hold)
    {
        await using var server = await TestServer.StartAsync(o => o with { HoldStoreLock = hold });
        var orphan = TestServer.RandomBytes(100);
        await server.PushBlobAsync("a", orphan);
        var store = await FileSystemCacheStore.OpenAsync(Path.Combine(server.StoreDirectory, "store"), new FileSystemCacheStoreOptions { LockTimeout = TimeSpan.FromMilliseconds(300) }, CancellationToken.None);

        var prune = Record.ExceptionAsync(() => store.PruneAsync(RetentionPolicy.KeepAll, DateTimeOffset.UtcNow, CancellationToken.None));

        if (hold)
        {
            Assert.IsType<StoreLockTimeoutException>(await prune);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.GetAsync($"/v2/a/blobs/{TestServer.DigestOf(orphan)}")).StatusCode);
        }
        else
        {
            Assert.Null(await prune);
        }
    }
}
