namespace LayerCache.Core.Scopes;

/// <summary>The CI system a run was detected in, from its environment variables.</summary>
public enum CiProvider
{
    /// <summary>No CI variables: a developer machine or an unknown CI; git is asked instead.</summary>
    None,
    GitHubActions,
    CircleCI,
    GitLab,
    Jenkins,
    Bamboo,
    Buildkite,
    AzurePipelines,
}
