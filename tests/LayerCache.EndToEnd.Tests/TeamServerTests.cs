using System.Security.Cryptography;
using System.Text;
using LayerCache.Server;
using LayerCache.Testing;
using Xunit.Abstractions;

namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// Issue 11's team server, end to end: <c>layercache serve</c> with tokens, and <c>layercache build
/// --cache registry://…</c> on fresh runners sending <c>LAYERCACHE_TOKEN</c>. The default branch's job
/// saves; a pull request's job on another fresh runner restores every step from it and saves only its
/// own scope; its token cannot write the default branch's scope (a warning, the build goes on).
/// </summary>
[Collection(EngineCollections.B)]
public sealed class TeamServerTests(ITestOutputHelper output)
{
    private const string MainToken = "main-job-token";
    private const string PullRequestToken = "pr-job-token";

    [Fact]
    public async Task A_pull_request_restores_from_the_default_branchs_entry_and_writes_only_its_own_scope()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        using var temp = new TempDirectory();
        var tokens = temp.Combine("tokens");
        await File.WriteAllTextAsync(tokens, $"""
            {Hash(MainToken)} write:acme/app
            {Hash(PullRequestToken)} read:acme/app write:acme/app:pr-*
            """, ct);
        await using var server = await RegistryServer.StartAsync(
            new ServerOptions { StorePath = temp.Combine("served"), Listen = "127.0.0.1:0", TokensFile = tokens, Log = TextWriter.Null }, ct);
        var cache = $"registry://127.0.0.1:{server.Address.Port}/acme/app";

        await using (var main = await Runner.StartAsync(ct))
        {
            var cold = await main.LayercacheAsync(Builder.Classic, Build(ExampleApp.CopyTo(temp.Combine("app1")).Directory, cache, "main"), ct, Token(MainToken));
            cold.ExpectExit(0);
            Assert.True(cold.Report.Save is { Saved: true }, $"the default branch's job must save through the server: {cold}");
            Assert.Empty(cold.Report.Warnings ?? []);
        }

        await using var pr = await Runner.StartAsync(ct);
        var app = ExampleApp.CopyTo(temp.Combine("app2"));
        app.CommitBackend("2", 4096);
        var run = await pr.LayercacheAsync(Builder.Classic, Build(app.Directory, cache, "pr-42", "--fallback-scope", "main"), ct, Token(PullRequestToken));
        run.ExpectExit(0);
        output.WriteLine($"pull request: restore {run.Report.Restore!.Seconds:0.0}s ({run.Report.Restore.BytesLoaded} bytes), save wrote {run.Report.Save!.LayersWritten} layers");
        Assert.True(run.Report.Restore is { Hit: true }, $"the pull request must restore the default branch's entry: {run}");
        Assert.True(run.Report.Save is { Saved: true }, $"the pull request must save its own scope: {run}");
        Assert.Empty(run.Report.Warnings ?? []);

        // The same token aimed at the default branch's scope: the save is denied, the build is not failed.
        app.CommitBackend("3", 4096);
        var intruder = await pr.LayercacheAsync(Builder.Classic, Build(app.Directory, cache, "main"), ct, Token(PullRequestToken));
        intruder.ExpectExit(0);
        Assert.False(intruder.Report.Save?.Saved ?? false, $"a pull request's token must not write the default branch's scope: {intruder}");
        Assert.NotEmpty(intruder.Report.Warnings ?? []);
        output.WriteLine("denied save: " + string.Join(" | ", intruder.Report.Warnings!));

        // Without a token the store is denied as a whole: a warning and a cold build.
        var anonymous = await pr.LayercacheAsync(Builder.Classic, Build(app.Directory, cache, "pr-42"), ct);
        anonymous.ExpectExit(0);
        var warning = Assert.Single(anonymous.Report.Warnings ?? []);
        Assert.Contains("LAYERCACHE_TOKEN", warning, StringComparison.Ordinal);
        output.WriteLine("no token: " + string.Join(" | ", anonymous.Report.Warnings!));
    }

    private static string[] Build(string context, string cache, string scope, params string[] options) =>
        ["build", "--cache", cache, "--format", "json", "--scope", scope, .. options, "-t", "demo:latest", context, "--", "--network", "none"];

    private static Dictionary<string, string?> Token(string token) => new(StringComparer.Ordinal) { ["LAYERCACHE_TOKEN"] = token };

    private static string Hash(string token) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
