using LayerCache.Core.Scopes;
using LayerCache.Store;

namespace LayerCache.Core.Tests;

public sealed class ScopeTests
{
    private static CiContext Detect(params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return CiContext.Detect(n => map.GetValueOrDefault(n));
    }

    [Fact]
    public void GitHub_push_uses_repository_and_ref_name()
    {
        var ci = Detect(("GITHUB_ACTIONS", "true"), ("GITHUB_REPOSITORY", "Acme/Shop"), ("GITHUB_REF_NAME", "feature/x"));
        var plan = ScopeResolver.Resolve(null, [], ci, null, null, null);

        Assert.Equal(CiProvider.GitHubActions, ci.Provider);
        Assert.Equal("acme/shop/feature/x", plan.Write.Value);
        Assert.Equal(["acme/shop/feature/x", "acme/shop/main"], plan.Read.Select(s => s.Value));
        Assert.True(plan.CanWrite);
    }

    [Fact]
    public void GitHub_pull_request_uses_head_ref_and_cannot_write_default_branch()
    {
        var ci = Detect(("GITHUB_ACTIONS", "true"), ("GITHUB_REPOSITORY", "acme/shop"), ("GITHUB_REF_NAME", "42/merge"), ("GITHUB_HEAD_REF", "main"));
        var plan = ScopeResolver.Resolve(null, [], ci, null, null, null);

        Assert.True(ci.IsPullRequest);
        Assert.Equal("acme/shop/main", plan.Write.Value);
        Assert.False(plan.CanWrite);
        Assert.Contains("pull request", plan.WriteRefusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Pull_request_can_write_its_own_branch_scope()
    {
        var ci = Detect(("CIRCLECI", "true"), ("CIRCLE_PROJECT_USERNAME", "acme"), ("CIRCLE_PROJECT_REPONAME", "shop"), ("CIRCLE_BRANCH", "pr-7"), ("CIRCLE_PULL_REQUEST", "https://x/7"));
        var plan = ScopeResolver.Resolve(null, [], ci, null, null, null);

        Assert.Equal("acme/shop/pr-7", plan.Write.Value);
        Assert.True(plan.CanWrite);
    }

    [Theory]
    [InlineData("GITLAB_CI", "CI_COMMIT_REF_NAME", CiProvider.GitLab)]
    [InlineData("BUILDKITE", "BUILDKITE_BRANCH", CiProvider.Buildkite)]
    [InlineData("TF_BUILD", "BUILD_SOURCEBRANCHNAME", CiProvider.AzurePipelines)]
    [InlineData("bamboo_planKey", "bamboo_planRepository_branchName", CiProvider.Bamboo)]
    [InlineData("JENKINS_URL", "BRANCH_NAME", CiProvider.Jenkins)]
    public void Each_ci_branch_variable_is_read(string marker, string branchVariable, CiProvider provider)
    {
        var ci = Detect((marker, "x"), (branchVariable, "release/1.2"));

        Assert.Equal(provider, ci.Provider);
        Assert.Equal("release/1.2", ci.Branch);
    }

    [Fact]
    public void GitLab_default_branch_is_the_fallback()
    {
        var ci = Detect(("GITLAB_CI", "true"), ("CI_PROJECT_PATH", "g/p"), ("CI_COMMIT_REF_NAME", "topic"), ("CI_DEFAULT_BRANCH", "develop"));
        var plan = ScopeResolver.Resolve(null, [], ci, null, null, null);

        Assert.Equal(["g/p/topic", "g/p/develop"], plan.Read.Select(s => s.Value));
    }

    [Fact]
    public void Jenkins_multibranch_job_name_loses_its_branch_suffix()
    {
        var ci = Detect(("JENKINS_URL", "http://j"), ("JOB_NAME", "shop/feature%2Fx"), ("BRANCH_NAME", "feature/x"));

        Assert.Equal("shop", ci.Project);
    }

    [Fact]
    public void Without_ci_git_answers_and_explicit_options_win()
    {
        var none = Detect();
        var fromGit = ScopeResolver.Resolve(null, [], none, "org/app", "dev", "trunk");
        var explicitScope = ScopeResolver.Resolve("My Scope!", ["a", "b", "a"], none, "org/app", "dev", "trunk");

        Assert.Equal("org/app/dev", fromGit.Write.Value);
        Assert.Equal("org/app/trunk", fromGit.Read[1].Value);
        Assert.StartsWith("my-scope--", explicitScope.Write.Value, StringComparison.Ordinal);
        Assert.Equal(["a", "b"], explicitScope.Read.Skip(1).Select(s => s.Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("///")]
    [InlineData("!!!")]
    public void Scope_without_letters_is_rejected(string value) =>
        Assert.Throws<FormatException>(() => CacheScope.Parse(value));
}
