using LayerCache.Core.Scopes;
using LayerCache.Store;

namespace LayerCache.Core.Tests;

/// <summary>Each CI's pull request, simulated by its environment (and GitHub's event file): what it reads, and that it never writes what others read.</summary>
public sealed class ScopeCiTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("layercache-scope-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static CiContext Detect(params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return CiContext.Detect(n => map.GetValueOrDefault(n));
    }

    private static ScopePlan Resolve(CiContext ci, string? scope = null, string[]? fallbacks = null, string? gitDefault = null) =>
        ScopeResolver.Resolve(scope, fallbacks ?? [], ci, null, null, gitDefault);

    private static string[] Read(ScopePlan plan) => [.. plan.Read.Select(s => s.Value)];

    private string EventFile(string json)
    {
        var path = Path.Combine(_temp, "event.json");
        File.WriteAllText(path, json);
        return path;
    }

    private CiContext GitHubPullRequest(string head, string baseRef, string defaultBranch) => Detect(
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "acme/shop"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_REF_NAME", "42/merge"),
        ("GITHUB_HEAD_REF", head),
        ("GITHUB_BASE_REF", baseRef),
        ("GITHUB_EVENT_PATH", EventFile("{\"repository\": {\"default_branch\": \"" + defaultBranch + "\", \"name\": \"shop\"}, \"pull_request\": {\"number\": 42}}")));

    [Fact]
    public void GitHub_default_branch_comes_from_the_event_file_not_an_assumed_main()
    {
        var ci = Detect(
            ("GITHUB_ACTIONS", "true"), ("GITHUB_REPOSITORY", "acme/shop"), ("GITHUB_REF_NAME", "feature/x"),
            ("GITHUB_EVENT_PATH", EventFile("""{"repository": {"default_branch": "trunk"}}""")));

        Assert.Equal("trunk", ci.DefaultBranch);
        Assert.Equal(["acme/shop/feature/x", "acme/shop/trunk"], Read(Resolve(ci)));
    }

    [Fact]
    public void GitHub_pull_request_from_a_branch_named_like_the_default_cannot_write_it()
    {
        var plan = Resolve(GitHubPullRequest(head: "trunk", baseRef: "release/2", defaultBranch: "trunk"));

        Assert.Equal("acme/shop/trunk", plan.Write.Value);
        Assert.False(plan.CanWrite);
        Assert.Contains("default branch", plan.WriteRefusal, StringComparison.Ordinal);
    }

    [Fact]
    public void GitHub_pull_request_falls_back_to_its_base_ref_then_the_default_branch()
    {
        var plan = Resolve(GitHubPullRequest(head: "feature/x", baseRef: "release/2", defaultBranch: "trunk"));

        Assert.Equal(["acme/shop/feature/x", "acme/shop/release/2", "acme/shop/trunk"], Read(plan));
        Assert.True(plan.CanWrite);
    }

    [Fact]
    public void GitHub_pull_request_cannot_write_its_base_refs_scope()
    {
        var plan = Resolve(GitHubPullRequest(head: "release/2", baseRef: "release/2", defaultBranch: "trunk"));

        Assert.False(plan.CanWrite);
        Assert.Contains("target branch", plan.WriteRefusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pull_request_passing_scope_for_the_default_branch_is_refused()
    {
        var ci = GitHubPullRequest(head: "feature/x", baseRef: "trunk", defaultBranch: "trunk");

        Assert.False(Resolve(ci, scope: "acme/shop/trunk").CanWrite);
        Assert.False(Resolve(ci, scope: "acme/shop/trunk", fallbacks: ["acme/shop/other"]).CanWrite);
        Assert.True(Resolve(ci, scope: "acme/shop/pr-42").CanWrite);
    }

    [Fact]
    public void A_pull_request_cannot_write_a_fallback_scope_it_names_itself()
    {
        var ci = GitHubPullRequest(head: "feature/x", baseRef: "trunk", defaultBranch: "trunk");
        var plan = Resolve(ci, scope: "acme/shop/nightly", fallbacks: ["acme/shop/nightly"]);

        Assert.False(plan.CanWrite);
        Assert.Contains("fallback", plan.WriteRefusal, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_or_malformed_event_file_says_nothing()
    {
        foreach (var content in new[] { "", "not json", "[1,2]", """{"repository": {"default_branch": 7}}""" })
        {
            var ci = Detect(("GITHUB_ACTIONS", "true"), ("GITHUB_REF_NAME", "x"), ("GITHUB_EVENT_PATH", EventFile(content)));
            Assert.Null(ci.DefaultBranch);
        }

        Assert.Null(Detect(("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_PATH", Path.Combine(_temp, "missing.json"))).DefaultBranch);
        Assert.Null(Detect(("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_PATH", "/dev/zero")).DefaultBranch);
    }

    [Fact]
    public void Jenkins_change_request_falls_back_to_change_target_and_cannot_write_the_default_scope()
    {
        var ci = Detect(
            ("JENKINS_URL", "http://j"), ("JOB_NAME", "proj/PR-42"), ("BRANCH_NAME", "PR-42"),
            ("CHANGE_ID", "42"), ("CHANGE_BRANCH", "feature/x"), ("CHANGE_TARGET", "release/2"));
        var plan = Resolve(ci);

        Assert.Equal("proj", ci.Project);
        Assert.True(ci.IsPullRequest);
        Assert.Equal(["proj/feature/x", "proj/release/2", "proj/main"], Read(plan));
        Assert.True(plan.CanWrite);
        Assert.False(Resolve(ci, scope: "proj/main").CanWrite);
        Assert.False(Resolve(ci, scope: "proj/release/2").CanWrite);
    }

    [Fact]
    public void GitLab_merge_request_reads_its_target_and_the_stated_default()
    {
        var ci = Detect(
            ("GITLAB_CI", "true"), ("CI_PROJECT_PATH", "g/p"), ("CI_COMMIT_REF_NAME", "topic"), ("CI_DEFAULT_BRANCH", "develop"),
            ("CI_MERGE_REQUEST_IID", "9"), ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "topic"), ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "stable"));
        var plan = Resolve(ci, gitDefault: "main");

        Assert.Equal(["g/p/topic", "g/p/stable", "g/p/develop"], Read(plan));
        Assert.False(Resolve(ci, scope: "g/p/develop").CanWrite);
    }

    [Fact]
    public void GitLab_external_pull_request_is_a_pull_request()
    {
        var ci = Detect(
            ("GITLAB_CI", "true"), ("CI_PROJECT_PATH", "g/p"), ("CI_COMMIT_REF_NAME", "develop"), ("CI_DEFAULT_BRANCH", "develop"),
            ("CI_EXTERNAL_PULL_REQUEST_IID", "3"), ("CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME", "develop"), ("CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME", "develop"));

        Assert.True(ci.IsPullRequest);
        Assert.False(Resolve(ci).CanWrite);
    }

    [Fact]
    public void CircleCI_fork_pull_request_is_a_pull_request_and_git_names_the_default()
    {
        var ci = Detect(("CIRCLECI", "true"), ("CIRCLE_PROJECT_USERNAME", "acme"), ("CIRCLE_PROJECT_REPONAME", "shop"), ("CIRCLE_BRANCH", "trunk"), ("CIRCLE_PR_NUMBER", "7"));
        var plan = Resolve(ci, gitDefault: "trunk");

        Assert.True(ci.IsPullRequest);
        Assert.Equal("acme/shop/trunk", plan.Write.Value);
        Assert.False(plan.CanWrite);
    }

    [Fact]
    public void Buildkite_pull_request_reads_its_base_branch_and_the_pipeline_default()
    {
        var ci = Detect(
            ("BUILDKITE", "true"), ("BUILDKITE_PIPELINE_SLUG", "shop"), ("BUILDKITE_BRANCH", "feature/x"),
            ("BUILDKITE_PIPELINE_DEFAULT_BRANCH", "trunk"), ("BUILDKITE_PULL_REQUEST", "12"), ("BUILDKITE_PULL_REQUEST_BASE_BRANCH", "release/2"));
        var notPr = Detect(("BUILDKITE", "true"), ("BUILDKITE_BRANCH", "trunk"), ("BUILDKITE_PULL_REQUEST", "false"));

        Assert.Equal(["shop/feature/x", "shop/release/2", "shop/trunk"], Read(Resolve(ci)));
        Assert.False(Resolve(ci, scope: "shop/trunk").CanWrite);
        Assert.False(notPr.IsPullRequest);
    }

    [Fact]
    public void Azure_pull_request_reads_its_target_branch()
    {
        var ci = Detect(
            ("TF_BUILD", "True"), ("BUILD_REPOSITORY_NAME", "shop"), ("BUILD_SOURCEBRANCHNAME", "merge"), ("BUILD_REASON", "PullRequest"),
            ("SYSTEM_PULLREQUEST_PULLREQUESTID", "5"), ("SYSTEM_PULLREQUEST_SOURCEBRANCH", "refs/heads/feature/x"), ("SYSTEM_PULLREQUEST_TARGETBRANCH", "refs/heads/release/2"));
        var plan = Resolve(ci);

        Assert.Equal(["shop/feature/x", "shop/release/2", "shop/main"], Read(plan));
        Assert.False(Resolve(ci, scope: "shop/release/2").CanWrite);
    }

    [Fact]
    public void Bamboo_pull_request_reads_its_target_branch()
    {
        var ci = Detect(
            ("bamboo_planKey", "SHOP-PR"), ("bamboo_planRepository_name", "shop"), ("bamboo_planRepository_branchName", "feature/x"),
            ("bamboo_repository_pr_key", "3"), ("bamboo_repository_pr_sourceBranch", "feature/x"), ("bamboo_repository_pr_targetBranch", "release/2"));

        Assert.True(ci.IsPullRequest);
        Assert.Equal(["shop/feature/x", "shop/release/2", "shop/main"], Read(Resolve(ci)));
    }

    [Fact]
    public void The_ci_stated_default_wins_over_git_and_main_is_assumed_only_when_nothing_says()
    {
        var gitlab = Detect(("GITLAB_CI", "true"), ("CI_PROJECT_PATH", "g/p"), ("CI_COMMIT_REF_NAME", "topic"), ("CI_DEFAULT_BRANCH", "develop"));
        var jenkins = Detect(("JENKINS_URL", "http://j"), ("JOB_NAME", "proj/topic"), ("BRANCH_NAME", "topic"));

        Assert.Equal("g/p/develop", Resolve(gitlab, gitDefault: "trunk").Read[1].Value);
        Assert.Equal("proj/trunk", Resolve(jenkins, gitDefault: "trunk").Read[1].Value);
        Assert.Equal("proj/main", Resolve(jenkins).Read[1].Value);
    }

    [Fact]
    public void Branches_that_used_to_normalise_alike_get_scopes_of_their_own()
    {
        var scopes = new[] { "main", "MAIN", "Main", "main-", "main_", "main--", "main.", "-main" }
            .Select(b => Resolve(Detect(("GITHUB_ACTIONS", "true"), ("GITHUB_REPOSITORY", "acme/shop"), ("GITHUB_REF_NAME", b))).Write)
            .ToList();

        Assert.Equal(scopes.Count, scopes.Distinct().Count());
        Assert.Equal("acme/shop/main", scopes[0].Value);
    }

    [Fact]
    public void A_pull_request_from_a_branch_named_like_main_in_capitals_writes_its_own_scope_not_main()
    {
        var plan = Resolve(GitHubPullRequest(head: "MAIN", baseRef: "main", defaultBranch: "main"));

        Assert.NotEqual(CacheScope.Parse("acme/shop/main"), plan.Write);
        Assert.True(plan.CanWrite);
    }
}
