using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace LayerCache.Server.Tests;

/// <summary>Tokens with scopes: 401 with a challenge without a token, 403 DENIED outside the scope, a PR's read and write split.</summary>
public sealed class AuthTests : IAsyncLifetime
{
    private const string Main = "main-writer-token";
    private const string PullRequest = "pr-42-token";
    private string _tokens = string.Empty;

    public async Task InitializeAsync()
    {
        _tokens = Path.GetTempFileName();
        await File.WriteAllTextAsync(_tokens, $"""
            # the default branch's builds
            {Hash(Main)} write:acme/app/main
            # pull request 42: reads the default branch's cache, writes only its own
            {Hash(PullRequest)}   read:acme/app/main write:acme/app/pr-42  # trailing comment
            """);
    }

    public Task DisposeAsync()
    {
        File.Delete(_tokens);
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(null, "/v2/", 401, "UNAUTHORIZED")]
    [InlineData(null, "/v2/acme/app/main/tags/list", 401, "UNAUTHORIZED")]
    [InlineData("wrong", "/v2/acme/app/main/tags/list", 401, "UNAUTHORIZED")]
    [InlineData(PullRequest, "/v2/", 200, null)]
    [InlineData(PullRequest, "/v2/acme/app/main/manifests/v1", 200, null)]
    [InlineData(PullRequest, "/v2/acme/app/other/manifests/v1", 403, "DENIED")]
    public async Task Reads_need_a_token_with_read_on_the_repository(string? token, string path, int status, string? code)
    {
        await using var server = await StartAsync();
        await Seed(server);
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await server.Client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, status == 200 ? null : await TestServer.ErrorCodeAsync(response));
        if (status == 401)
        {
            Assert.Equal("Basic realm=\"layercache\"", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Theory]
    [InlineData("acme/app/pr-42", 201)]
    [InlineData("acme/app/main", 403)]
    public async Task A_pull_request_token_writes_only_its_own_scope(string repository, int status)
    {
        await using var server = await StartAsync();
        var blob = TestServer.RandomBytes(100);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/?digest={TestServer.DigestOf(blob)}") { Content = TestServer.Octets(blob) };
        request.Headers.Authorization = Basic("ci", PullRequest);

        var response = await server.Client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        if (status == 403)
        {
            Assert.Equal("DENIED", await TestServer.ErrorCodeAsync(response));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.StoreDirectory, "store", "blobs"), "*", SearchOption.AllDirectories));
        }
    }

    [Fact]
    public async Task A_read_only_scope_cannot_push_a_manifest_or_delete()
    {
        await using var server = await StartAsync();
        await Seed(server);
        foreach (var (method, path) in new[] { ("PUT", "/v2/acme/app/main/manifests/v2"), ("DELETE", "/v2/acme/app/main/manifests/v1"), ("POST", "/v2/acme/app/main/blobs/uploads/") })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent([]) };
            request.Headers.Authorization = Basic("ci", PullRequest);
            var response = await server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await Authorized(server, HttpMethod.Get, "/v2/acme/app/main/manifests/v1", Main)).StatusCode);
    }

    [Theory]
    [InlineData("read:acme/*", "acme/app", true)]
    [InlineData("read:acme/*", "acme/app/main", false)]
    [InlineData("read:acme/**", "acme/app/main", true)]
    [InlineData("read:acme/app/pr-*", "acme/app/pr-7", true)]
    [InlineData("read:acme/app/pr-*", "acme/app/main", false)]
    public void Globs_match_within_or_across_components(string scope, string repository, bool allowed)
    {
        Assert.Equal(allowed, TokenScope.TryParse(scope)!.Allows(TokenAccess.Read, repository));
    }

    [Theory]
    [InlineData("0123 read:x")]
    [InlineData("sha256:abc read:x")]
    [InlineData("sha256:0000000000000000000000000000000000000000000000000000000000000000 admin:x")]
    [InlineData("sha256:0000000000000000000000000000000000000000000000000000000000000000 read:../x[")]
    public void A_malformed_tokens_file_is_refused_naming_the_line(string line)
    {
        var error = Assert.Throws<FormatException>(() => TokenFile.Parse("# ok\n" + line, "tokens"));
        Assert.StartsWith("tokens:2:", error.Message, StringComparison.Ordinal);
    }

    private Task<TestServer> StartAsync() => TestServer.StartAsync(o => o with { TokensFile = _tokens });

    private static async Task Seed(TestServer server)
    {
        var config = TestServer.RandomBytes(10);
        foreach (var blob in new[] { config })
        {
            (await Authorized(server, HttpMethod.Post, $"/v2/acme/app/main/blobs/uploads/?digest={TestServer.DigestOf(blob)}", Main, blob)).EnsureSuccessStatusCode();
        }

        var manifest = TestServer.Manifest(config, []);
        var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue(LayerCache.Oci.MediaType.OciImageManifest);
        var put = new HttpRequestMessage(HttpMethod.Put, "/v2/acme/app/main/manifests/v1") { Content = content };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Main);
        (await server.Client.SendAsync(put)).EnsureSuccessStatusCode();
    }

    private static Task<HttpResponseMessage> Authorized(TestServer server, HttpMethod method, string path, string token, byte[]? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = TestServer.Octets(body);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return server.Client.SendAsync(request);
    }

    private static AuthenticationHeaderValue Basic(string user, string token) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{token}")));

    private static string Hash(string token) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
