using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using LayerCache.Core;
using LayerCache.Registry.Client;
using LayerCache.Registry.Store;
using LayerCache.Store;
using LayerCache.Store.Conformance;

namespace LayerCache.Server.Tests;

/// <summary>
/// Write grants limited to tags (<c>write:REPO:TAGGLOB</c>): a pull request's token writes its own cache
/// scope's entries in the repository it shares with the default branch, and cannot tag, retag or delete
/// the default branch's.
/// </summary>
public sealed class TagLimitedTokenTests : IAsyncLifetime
{
    private const string Main = "main-writer";
    private const string PullRequest = "pr-42-writer";
    private const string Repository = "acme/app";
    private string _tokens = string.Empty;

    public async Task InitializeAsync()
    {
        _tokens = Path.GetTempFileName();
        await File.WriteAllTextAsync(_tokens, $"""
            {Hash(Main)} write:acme/app
            {Hash(PullRequest)} read:acme/app write:acme/app:pr-42.*
            """);
    }

    public Task DisposeAsync()
    {
        File.Delete(_tokens);
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("write:acme/app:pr-42.*", "pr-42.20261203T000000Z", true)]
    [InlineData("write:acme/app:pr-42.*", "pr-420.20261203T000000Z", false)]
    [InlineData("write:acme/app:pr-42.*", "main.20261203T000000Z", false)]
    [InlineData("write:acme/app:latest", "latest", true)]
    [InlineData("write:acme/app:latest", "latest2", false)]
    [InlineData("write:acme/app", "anything", true)]
    public void A_tag_glob_matches_whole_tags(string scope, string tag, bool allowed)
    {
        var parsed = TokenScope.TryParse(scope)!;
        Assert.True(parsed.Allows(TokenAccess.Write, Repository));
        Assert.Equal(allowed, parsed.AllowsTag(tag));
    }

    [Theory]
    [InlineData("read:acme/app:pr-*")]
    [InlineData("write:acme/app:")]
    [InlineData("write::pr-*")]
    [InlineData("write:acme/app:pr/42")]
    [InlineData("write:acme/app:pr-42:x")]
    public void A_malformed_tag_limit_is_refused(string scope) => Assert.Null(TokenScope.TryParse(scope));

    [Fact]
    public async Task A_tag_limited_token_tags_only_its_tags_and_deletes_only_manifests_it_alone_tags()
    {
        await using var server = await TestServer.StartAsync(o => o with { TokensFile = _tokens });
        using var main = Client(server, Main);
        using var pr = Client(server, PullRequest);
        var mainManifest = await TestServer.PushImageAsync(main, Repository, "main.20261203T000000Z");

        // Uploads and pushes by digest are content-addressed: allowed.
        var ownManifest = await TestServer.PushImageAsync(pr, Repository, "pr-42.20261203T000001Z");
        var byDigest = await TestServer.PutManifestAsync(pr, Repository, TestServer.DigestOf(mainManifest).ToString(), mainManifest);
        Assert.Equal(HttpStatusCode.Created, byDigest.StatusCode);

        // Another scope's tag: neither created nor moved.
        var retag = await TestServer.PutManifestAsync(pr, Repository, "main.20261203T000000Z", ownManifest);
        Assert.Equal(HttpStatusCode.Forbidden, retag.StatusCode);
        Assert.Equal("DENIED", await TestServer.ErrorCodeAsync(retag));
        Assert.Equal(HttpStatusCode.Forbidden, (await TestServer.PutManifestAsync(pr, Repository, "latest", ownManifest)).StatusCode);

        // Deleting the default branch's manifest by digest would remove its tag.
        Assert.Equal(HttpStatusCode.Forbidden, (await pr.DeleteAsync($"/v2/{Repository}/manifests/{TestServer.DigestOf(mainManifest)}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await pr.DeleteAsync($"/v2/{Repository}/manifests/main.20261203T000000Z")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await pr.DeleteAsync($"/v2/{Repository}/blobs/{TestServer.DigestOf(mainManifest)}")).StatusCode);
        var stillThere = await main.GetAsync($"/v2/{Repository}/manifests/main.20261203T000000Z");
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        Assert.Equal(mainManifest, await stillThere.Content.ReadAsByteArrayAsync());

        // Its own entry it may delete.
        Assert.Equal(HttpStatusCode.Accepted, (await pr.DeleteAsync($"/v2/{Repository}/manifests/{TestServer.DigestOf(ownManifest)}")).StatusCode);
    }

    [Fact]
    public async Task A_pull_request_saves_its_own_scope_and_its_retention_keeps_the_default_branchs_entries()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        await using var server = await TestServer.StartAsync(o => o with { TokensFile = _tokens });
        var t0 = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        await PutMainEntryAsync(server, t0, ct);

        using var pr = await OpenAsync(server, PullRequest, ct);
        var prStage = await TestImages.AddImageAsync(pr.Blobs, "app", "base", "pr-src");
        await pr.PutEntryAsync(TestImages.Entry("pr-42", t0.AddHours(1), prStage), ct);

        // Writing the default branch's scope is refused as denied (a save says so and the build goes on).
        var denied = await Assert.ThrowsAnyAsync<Exception>(() => pr.PutEntryAsync(TestImages.Entry("main", t0.AddHours(2), prStage), ct));
        Assert.Equal(StoreErrorKind.Denied, StoreErrors.Classify(denied));

        // Retention that would drop the default branch's older entry keeps it, says why, and still works on its own.
        await pr.PutEntryAsync(TestImages.Entry("pr-42", t0.AddHours(3), prStage), ct);
        var report = await pr.PruneAsync(new RetentionPolicy { KeepFor = TimeSpan.FromHours(1) }, t0.AddHours(3).AddMinutes(1), ct);
        Assert.Contains(report.Warnings, w => w.Contains("refused to delete 1 entry", StringComparison.Ordinal));
        Assert.Contains(report.EntriesRemoved, e => e.Scope == LayerCache.Store.CacheScope.Parse("pr-42"));
        var left = await pr.ListEntriesAsync(ct);
        Assert.Contains(left, e => e.Scope == LayerCache.Store.CacheScope.Parse("main"));
        Assert.Single(left, e => e.Scope == LayerCache.Store.CacheScope.Parse("pr-42"));
    }

    [Fact]
    public async Task A_pull_request_that_restores_the_default_branchs_entry_cannot_record_its_use_and_the_restore_stands()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        await using var server = await TestServer.StartAsync(o => o with { TokensFile = _tokens });
        var t0 = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        var entry = await PutMainEntryAsync(server, t0, ct);
        using (var main = await OpenAsync(server, Main, ct))
        {
            Assert.True(await main.MarkUsedAsync(entry.Id, t0.AddHours(1), ct));
        }

        // The pull request's token may not tag sha256-HEX.used: best effort, no failure, nothing moved.
        var notes = new List<string>();
        using var pr = await OpenAsync(server, PullRequest, ct, note => { lock (notes) { notes.Add(note); } });
        Assert.True(await pr.MarkUsedAsync(entry.Id, t0.AddHours(5), ct));
        Assert.Contains(notes, n => n.Contains("was not recorded", StringComparison.Ordinal));
        Assert.Equal(t0.AddHours(1), Assert.Single(await pr.ListEntriesAsync(ct)).LastUsed);
    }

    /// <summary>The default branch's entry of one stage image, saved with the default branch's token.</summary>
    private static async Task<CacheEntry> PutMainEntryAsync(TestServer server, DateTimeOffset created, CancellationToken ct)
    {
        using var main = await OpenAsync(server, Main, ct);
        var stage = await TestImages.AddImageAsync(main.Blobs, "app", "base", "main-src");
        return await main.PutEntryAsync(TestImages.Entry("main", created, stage), ct);
    }

    private static Task<RegistryCacheStore> OpenAsync(TestServer server, string token, CancellationToken ct, Action<string>? onSkipped = null) =>
        RegistryCacheStore.OpenAsync(
            new RegistryCacheStoreOptions
            {
                Client = new RegistryClientOptions { Registry = server.HostPort, MaxRetries = 0, Credentials = new CacheTokenCredentialProvider(token) },
                Repository = Repository,
                OnSkipped = onSkipped,
            },
            ct);

    private static HttpClient Client(TestServer server, string token)
    {
        var client = new HttpClient { BaseAddress = server.Server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ci:" + token)));
        return client;
    }

    private static string Hash(string token) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
