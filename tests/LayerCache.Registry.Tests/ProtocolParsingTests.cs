using System.Net;
using System.Text;
using LayerCache.Registry.Client;

namespace LayerCache.Registry.Tests;

/// <summary>The pure parts: challenge headers, Link headers, error envelopes, scopes, token and tag answers.</summary>
public sealed class ProtocolParsingTests
{
    [Fact]
    public void Bearer_challenge_yields_realm_service_and_scopes()
    {
        var challenges = AuthChallenge.ParseHeader("""Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push repository:other:pull",error="insufficient_scope" """);
        var challenge = Assert.Single(challenges);
        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.docker.io/token", challenge.Realm);
        Assert.Equal("registry.docker.io", challenge.Service);
        Assert.Equal(["repository:samalba/my-app:pull,push", "repository:other:pull"], challenge.Scopes);
        Assert.Equal("insufficient_scope", challenge.Error);
    }

    [Fact]
    public void Several_challenges_quoted_escapes_and_tokens_parse()
    {
        var challenges = AuthChallenge.ParseHeader("""Basic realm="a \"quoted\" realm", Bearer realm=https://h/t,service=svc""");
        Assert.Equal(2, challenges.Count);
        Assert.True(challenges[0].IsBasic);
        Assert.Equal("a \"quoted\" realm", challenges[0].Realm);
        Assert.True(challenges[1].IsBearer);
        Assert.Equal("https://h/t", challenges[1].Realm);
        Assert.Equal("svc", challenges[1].Service);
        Assert.Empty(challenges[1].Scopes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(",,,")]
    public void Empty_challenge_headers_yield_nothing(string? header) => Assert.Empty(AuthChallenge.ParseHeader(header));

    [Fact]
    public void Malformed_challenge_is_read_leniently()
    {
        var challenge = Assert.Single(AuthChallenge.ParseHeader("Bearer realm=\"unterminated"));
        Assert.Equal("unterminated", challenge.Realm);
        Assert.Equal("Bearer", AuthChallenge.FromParts("Bearer", null).Scheme);
    }

    [Theory]
    [InlineData("</v2/app/tags/list?n=2&last=b>; rel=\"next\"", "/v2/app/tags/list?n=2&last=b")]
    [InlineData("<https://r/v2/app/tags/list?last=b>;rel=next", "https://r/v2/app/tags/list?last=b")]
    [InlineData("</prev>; rel=\"prev\", </v2/a/tags/list?last=x,y>; rel=\"next\"", "/v2/a/tags/list?last=x,y")]
    [InlineData("</a>; title=\"x, rel=next\"; rel=\"prev\"", null)]
    [InlineData("</a>; rel=\"prev\"", null)]
    [InlineData("garbage", null)]
    [InlineData("<>; rel=next", null)]
    public void Link_next_is_found(string header, string? expected) => Assert.Equal(expected, LinkHeader.FindNext([header]));

    [Fact]
    public void Error_envelope_parses_codes_messages_and_detail()
    {
        var errors = ErrorEnvelope.Parse("""{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v1"}},{"code":"X_CUSTOM"}]}"""u8);
        Assert.Equal(2, errors.Count);
        Assert.Equal(RegistryErrorCode.ManifestUnknown, errors[0].KnownCode);
        Assert.Equal("manifest unknown", errors[0].Message);
        Assert.Equal("""{"Tag":"v1"}""", errors[0].Detail);
        Assert.Null(errors[1].KnownCode);
        Assert.Equal(RegistryErrorKind.NotFound, ErrorEnvelope.Classify(HttpStatusCode.NotFound, errors));
    }

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    [InlineData("{\"errors\":\"nope\"}")]
    [InlineData("{\"errors\":[{\"message\":\"no code\"},42]}")]
    [InlineData("[]")]
    [InlineData("{\"errors\":[{\"code\":\"DENIED\"")]
    public void Error_envelope_that_is_not_one_yields_nothing(string body) => Assert.Empty(ErrorEnvelope.Parse(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData(404, null, RegistryErrorKind.NotFound)]
    [InlineData(401, null, RegistryErrorKind.Denied)]
    [InlineData(403, null, RegistryErrorKind.Denied)]
    [InlineData(429, null, RegistryErrorKind.Transient)]
    [InlineData(503, null, RegistryErrorKind.Transient)]
    [InlineData(500, "MANIFEST_INVALID", RegistryErrorKind.Transient)]
    [InlineData(405, null, RegistryErrorKind.Unsupported)]
    [InlineData(405, "UNSUPPORTED", RegistryErrorKind.Unsupported)]
    [InlineData(400, "DIGEST_INVALID", RegistryErrorKind.Corrupt)]
    [InlineData(400, "NAME_INVALID", RegistryErrorKind.Invalid)]
    [InlineData(404, "MANIFEST_BLOB_UNKNOWN", RegistryErrorKind.Invalid)]
    [InlineData(400, "SOMETHING_ELSE", RegistryErrorKind.Invalid)]
    public void Failures_are_classified(int status, string? code, RegistryErrorKind expected)
    {
        IReadOnlyList<RegistryError> errors = code is null ? [] : [new RegistryError(code, null)];
        Assert.Equal(expected, ErrorEnvelope.Classify((HttpStatusCode)status, errors));
    }

    [Fact]
    public void Error_envelope_round_trips_for_a_server()
    {
        var written = ErrorEnvelope.Serialize([RegistryError.From(RegistryErrorCode.BlobUnknown, detail: "\"sha256:x\"")]);
        var read = Assert.Single(ErrorEnvelope.Parse(written));
        Assert.Equal("BLOB_UNKNOWN", read.Code);
        Assert.Equal(RegistryErrorCode.BlobUnknown.Message, read.Message);
        Assert.Equal("\"sha256:x\"", read.Detail);
    }

    [Fact]
    public void Error_code_table_is_complete_and_consistent()
    {
        Assert.True(RegistryErrorCode.All.Count >= 19);
        foreach (var code in RegistryErrorCode.All)
        {
            Assert.Same(code, RegistryErrorCode.Find(code.Name));
        }

        Assert.Null(RegistryErrorCode.Find("NOT_A_CODE"));
        Assert.Null(RegistryErrorCode.Find(null));
    }

    [Theory]
    [InlineData("GET", "/v2/team/app/manifests/v1", "repository:team/app:pull")]
    [InlineData("HEAD", "/v2/app/blobs/sha256:aa", "repository:app:pull")]
    [InlineData("PUT", "/v2/app/manifests/v1", "repository:app:pull,push")]
    [InlineData("PATCH", "/v2/a/b/c/blobs/uploads/uuid", "repository:a/b/c:pull,push")]
    [InlineData("DELETE", "/v2/app/manifests/sha256:aa", "repository:app:delete")]
    [InlineData("GET", "/v2/app/tags/list?n=2", "repository:app:pull")]
    [InlineData("POST", "/v2/dst/blobs/uploads/?mount=sha256:aa&from=src%2Fx", "repository:dst:pull,push repository:src/x:pull")]
    [InlineData("GET", "/v2/", "")]
    [InlineData("GET", "/token", "")]
    public void Request_scopes_follow_distribution_access_records(string method, string path, string expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(new Uri("https://r/"), path));
        Assert.Equal(expected, string.Join(' ', RegistryAuthHandler.ScopesFor(request)));
    }

    [Fact]
    public void Token_answers_are_parsed_and_bounded()
    {
        var (token, expires) = RegistryAuthHandler.ParseToken("""{"token":"abc.def.ghi","expires_in":300}"""u8, "auth");
        Assert.Equal("abc.def.ghi", token);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(280), TimeSpan.FromSeconds(300));
        Assert.Equal("x", RegistryAuthHandler.ParseToken("""{"access_token":"x"}"""u8, "auth").Token);
        Assert.Equal(RegistryErrorKind.Denied, Assert.Throws<RegistryException>(() => RegistryAuthHandler.ParseToken("""{"token":""}"""u8, "auth")).Kind);
        Assert.Equal(RegistryErrorKind.Denied, Assert.Throws<RegistryException>(() => RegistryAuthHandler.ParseToken("""{"token":"a\r\nInjected: 1"}"""u8, "auth")).Kind);
        Assert.Equal(RegistryErrorKind.Denied, Assert.Throws<RegistryException>(() => RegistryAuthHandler.ParseToken("<html>"u8, "auth")).Kind);
    }

    [Fact]
    public void Tag_lists_keep_only_valid_tags()
    {
        Assert.Equal(["v1", "latest"], RegistryClient.ParseTags("""{"name":"a","tags":["v1","latest","../etc",""]}"""u8, "list"));
        Assert.Empty(RegistryClient.ParseTags("""{"name":"a","tags":null}"""u8, "list"));
        Assert.Equal(RegistryErrorKind.Invalid, Assert.Throws<RegistryException>(() => RegistryClient.ParseTags("""{"tags":"v1"}"""u8, "list")).Kind);
    }

    [Theory]
    [InlineData("127.0.0.1:5000", false, true)]
    [InlineData("localhost:5000", false, true)]
    [InlineData("[::1]:5000", false, true)]
    [InlineData("127.8.9.10", false, true)]
    [InlineData("ghcr.io", false, false)]
    [InlineData("10.0.0.5:5000", false, false)]
    [InlineData("registry.internal:5000", true, true)]
    public void Plain_http_only_for_loopback_or_insecure(string host, bool insecure, bool expected) =>
        Assert.Equal(expected, RegistryTransport.AllowsPlainHttp(host, insecure));

    [Theory]
    [InlineData("app", true)]
    [InlineData("team/app-1.x__y", true)]
    [InlineData("App", false)]
    [InlineData("app/", false)]
    [InlineData("../app", false)]
    [InlineData("", false)]
    public void Repository_names_follow_the_grammar(string name, bool valid) => Assert.Equal(valid, RegistryClient.IsValidRepository(name));
}
