namespace LayerCache.Core.Scopes;

/// <summary>What the CI environment says about this run: who builds what, from which branch, into which.</summary>
/// <param name="Provider">The detected CI system.</param>
/// <param name="Project">The project (repository) name, if the CI says it.</param>
/// <param name="Branch">The branch being built (for a pull request: its source branch), if known.</param>
/// <param name="DefaultBranch">The repository's default branch, if the CI states it.</param>
/// <param name="IsPullRequest">True when the run builds a pull/merge request, whose writes must stay in its own scope.</param>
/// <param name="TargetBranch">For a pull request: the branch it would merge into, if the CI states it.</param>
public sealed record CiContext(CiProvider Provider, string? Project, string? Branch, string? DefaultBranch, bool IsPullRequest, string? TargetBranch = null)
{
    /// <summary>
    /// Reads the CI variables of every supported CI system; the first one found wins. On GitHub
    /// Actions the default branch comes from the event payload file (<c>GITHUB_EVENT_PATH</c>).
    /// </summary>
    public static CiContext Detect(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Get(string name) => environment(name) is { Length: > 0 } v ? v : null;

        if (Get("GITHUB_ACTIONS") is not null)
        {
            // GITHUB_HEAD_REF and GITHUB_BASE_REF are set exactly for pull_request(_target) events.
            var headRef = Get("GITHUB_HEAD_REF");
            var isPullRequest = headRef is not null || Get("GITHUB_EVENT_NAME") is "pull_request" or "pull_request_target";
            return new CiContext(
                CiProvider.GitHubActions,
                Get("GITHUB_REPOSITORY"),
                headRef ?? Get("GITHUB_REF_NAME"),
                GitHubEventFile.ReadDefaultBranch(Get("GITHUB_EVENT_PATH")),
                isPullRequest,
                isPullRequest ? Get("GITHUB_BASE_REF") : null);
        }

        if (Get("CIRCLECI") is not null)
        {
            // CircleCI states neither the default nor the target branch: git's origin/HEAD, else "main".
            var project = Get("CIRCLE_PROJECT_USERNAME") is { } user && Get("CIRCLE_PROJECT_REPONAME") is { } repo
                ? $"{user}/{repo}"
                : Get("CIRCLE_PROJECT_REPONAME");
            var isPullRequest = Get("CIRCLE_PULL_REQUEST") is not null || Get("CIRCLE_PULL_REQUESTS") is not null || Get("CIRCLE_PR_NUMBER") is not null;
            return new CiContext(CiProvider.CircleCI, project, Get("CIRCLE_BRANCH"), null, isPullRequest);
        }

        if (Get("GITLAB_CI") is not null)
        {
            // Merge request pipelines, and external (GitHub) pull request pipelines.
            var mergeRequest = Get("CI_MERGE_REQUEST_IID") is not null;
            var external = Get("CI_EXTERNAL_PULL_REQUEST_IID") is not null;
            var source = mergeRequest ? Get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
                : external ? Get("CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME")
                : null;
            var target = mergeRequest ? Get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
                : external ? Get("CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME")
                : null;
            return new CiContext(
                CiProvider.GitLab,
                Get("CI_PROJECT_PATH"),
                source ?? Get("CI_COMMIT_REF_NAME"),
                Get("CI_DEFAULT_BRANCH"),
                mergeRequest || external,
                target);
        }

        if (Get("BUILDKITE") is not null)
        {
            var pr = Get("BUILDKITE_PULL_REQUEST");
            var isPullRequest = pr is not null && pr != "false";
            return new CiContext(
                CiProvider.Buildkite,
                Get("BUILDKITE_PIPELINE_SLUG"),
                Get("BUILDKITE_BRANCH"),
                Get("BUILDKITE_PIPELINE_DEFAULT_BRANCH"),
                isPullRequest,
                isPullRequest ? Get("BUILDKITE_PULL_REQUEST_BASE_BRANCH") : null);
        }

        if (Get("TF_BUILD") is not null)
        {
            var prSource = Get("SYSTEM_PULLREQUEST_SOURCEBRANCH");
            var isPullRequest = Get("SYSTEM_PULLREQUEST_PULLREQUESTID") is not null || Get("BUILD_REASON") == "PullRequest";
            var target = Get("SYSTEM_PULLREQUEST_TARGETBRANCHNAME") ?? (Get("SYSTEM_PULLREQUEST_TARGETBRANCH") is { } t ? StripRefsHeads(t) : null);
            return new CiContext(
                CiProvider.AzurePipelines,
                Get("BUILD_REPOSITORY_NAME"),
                prSource is not null ? StripRefsHeads(prSource) : Get("BUILD_SOURCEBRANCHNAME"),
                null,
                isPullRequest,
                isPullRequest ? target : null);
        }

        if (Get("bamboo_planKey") is not null || Get("bamboo_planRepository_branchName") is not null)
        {
            var isPullRequest = Get("bamboo_repository_pr_key") is not null;
            return new CiContext(
                CiProvider.Bamboo,
                Get("bamboo_planRepository_name") ?? Get("bamboo_planKey"),
                (isPullRequest ? Get("bamboo_repository_pr_sourceBranch") : null) ?? Get("bamboo_planRepository_branchName"),
                null,
                isPullRequest,
                isPullRequest ? Get("bamboo_repository_pr_targetBranch") : null);
        }

        if (Get("JENKINS_URL") is not null || Get("BRANCH_NAME") is not null)
        {
            // Multibranch jobs are named "<project>/<BRANCH_NAME>" (a PR's BRANCH_NAME is "PR-42"):
            // keep only the project part.
            var job = Get("JOB_NAME");
            var branchName = Get("BRANCH_NAME");
            if (job is not null && branchName is not null && job.EndsWith("/" + Uri.EscapeDataString(branchName), StringComparison.Ordinal))
            {
                job = job[..job.LastIndexOf('/')];
            }

            var isPullRequest = Get("CHANGE_ID") is not null;
            return new CiContext(
                CiProvider.Jenkins,
                job,
                (isPullRequest ? Get("CHANGE_BRANCH") : null) ?? branchName,
                null,
                isPullRequest,
                isPullRequest ? Get("CHANGE_TARGET") : null);
        }

        return new CiContext(CiProvider.None, null, null, null, false);
    }

    private static string StripRefsHeads(string reference) =>
        reference.StartsWith("refs/heads/", StringComparison.Ordinal) ? reference["refs/heads/".Length..] : reference;
}
