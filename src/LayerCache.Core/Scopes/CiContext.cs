namespace LayerCache.Core.Scopes;

/// <summary>What the CI environment says about this run: who builds what, from which branch.</summary>
/// <param name="Provider">The detected CI system.</param>
/// <param name="Project">The project (repository) name, if the CI says it.</param>
/// <param name="Branch">The branch being built (for a pull request: its source branch), if known.</param>
/// <param name="DefaultBranch">The repository's default branch, if the CI says it.</param>
/// <param name="IsPullRequest">True when the run builds a pull/merge request, whose writes must stay in its own scope.</param>
public sealed record CiContext(CiProvider Provider, string? Project, string? Branch, string? DefaultBranch, bool IsPullRequest)
{
    /// <summary>Reads the CI variables of every supported CI system; the first one found wins.</summary>
    public static CiContext Detect(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Get(string name) => environment(name) is { Length: > 0 } v ? v : null;

        if (Get("GITHUB_ACTIONS") is not null)
        {
            var headRef = Get("GITHUB_HEAD_REF");
            return new CiContext(CiProvider.GitHubActions, Get("GITHUB_REPOSITORY"), headRef ?? Get("GITHUB_REF_NAME"), null, headRef is not null);
        }

        if (Get("CIRCLECI") is not null)
        {
            var project = Get("CIRCLE_PROJECT_USERNAME") is { } user && Get("CIRCLE_PROJECT_REPONAME") is { } repo
                ? $"{user}/{repo}"
                : Get("CIRCLE_PROJECT_REPONAME");
            return new CiContext(CiProvider.CircleCI, project, Get("CIRCLE_BRANCH"), null, Get("CIRCLE_PULL_REQUEST") is not null);
        }

        if (Get("GITLAB_CI") is not null)
        {
            var mrSource = Get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME");
            return new CiContext(
                CiProvider.GitLab,
                Get("CI_PROJECT_PATH"),
                mrSource ?? Get("CI_COMMIT_REF_NAME"),
                Get("CI_DEFAULT_BRANCH"),
                Get("CI_MERGE_REQUEST_IID") is not null);
        }

        if (Get("BUILDKITE") is not null)
        {
            var pr = Get("BUILDKITE_PULL_REQUEST");
            return new CiContext(
                CiProvider.Buildkite,
                Get("BUILDKITE_PIPELINE_SLUG"),
                Get("BUILDKITE_BRANCH"),
                Get("BUILDKITE_PIPELINE_DEFAULT_BRANCH"),
                pr is not null && pr != "false");
        }

        if (Get("TF_BUILD") is not null)
        {
            var prSource = Get("SYSTEM_PULLREQUEST_SOURCEBRANCH");
            return new CiContext(
                CiProvider.AzurePipelines,
                Get("BUILD_REPOSITORY_NAME"),
                prSource is not null ? StripRefsHeads(prSource) : Get("BUILD_SOURCEBRANCHNAME"),
                null,
                Get("SYSTEM_PULLREQUEST_PULLREQUESTID") is not null);
        }

        if (Get("bamboo_planKey") is not null || Get("bamboo_planRepository_branchName") is not null)
        {
            return new CiContext(
                CiProvider.Bamboo,
                Get("bamboo_planRepository_name") ?? Get("bamboo_planKey"),
                Get("bamboo_planRepository_branchName"),
                null,
                Get("bamboo_repository_pr_key") is not null);
        }

        if (Get("JENKINS_URL") is not null || Get("BRANCH_NAME") is not null)
        {
            // Jenkins multibranch jobs are named "<project>/<branch>": keep only the project part.
            var job = Get("JOB_NAME");
            var branch = Get("CHANGE_BRANCH") ?? Get("BRANCH_NAME");
            if (job is not null && branch is not null && job.EndsWith("/" + Uri.EscapeDataString(branch), StringComparison.Ordinal))
            {
                job = job[..job.LastIndexOf('/')];
            }

            return new CiContext(CiProvider.Jenkins, job, branch, null, Get("CHANGE_ID") is not null);
        }

        return new CiContext(CiProvider.None, null, null, null, false);
    }

    private static string StripRefsHeads(string reference) =>
        reference.StartsWith("refs/heads/", StringComparison.Ordinal) ? reference["refs/heads/".Length..] : reference;
}
