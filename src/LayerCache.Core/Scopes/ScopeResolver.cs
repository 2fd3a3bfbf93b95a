using LayerCache.Store;

namespace LayerCache.Core.Scopes;

/// <summary>
/// Decides the scopes of a run: its own (project + branch, from the CI or git, or --scope) and the
/// fallbacks it may read (a pull request's target branch, then the default branch; or
/// --fallback-scope). A pull request reads those but never writes any of them, however its own scope
/// was named: that is how PR builds are kept from poisoning the cache that other builds restore.
/// </summary>
public static class ScopeResolver
{
    /// <summary>The default branch assumed when neither the CI nor git states one.</summary>
    public const string AssumedDefaultBranch = "main";

    /// <summary>Resolves the scope plan.</summary>
    /// <param name="scope">The --scope option, or null to derive it.</param>
    /// <param name="fallbackScopes">The --fallback-scope options; empty for the target and default branches'.</param>
    /// <param name="context">The CI context.</param>
    /// <param name="gitProject">The project name from git, used when the CI has none.</param>
    /// <param name="gitBranch">The branch from git, used when the CI has none.</param>
    /// <param name="gitDefaultBranch">The default branch from git (origin/HEAD), used when the CI states none.</param>
    public static ScopePlan Resolve(
        string? scope,
        IReadOnlyList<string> fallbackScopes,
        CiContext context,
        string? gitProject,
        string? gitBranch,
        string? gitDefaultBranch)
    {
        ArgumentNullException.ThrowIfNull(fallbackScopes);
        ArgumentNullException.ThrowIfNull(context);
        var project = context.Project ?? gitProject;
        var defaultScope = FromParts(project, context.DefaultBranch ?? gitDefaultBranch ?? AssumedDefaultBranch);
        CacheScope? targetScope = context.IsPullRequest && context.TargetBranch is { } target ? FromParts(project, target) : null;
        var own = scope is not null ? CacheScope.Normalize(scope) : FromParts(project, context.Branch ?? gitBranch);

        IReadOnlyList<CacheScope> fallbacks = fallbackScopes.Count > 0
            ? [.. fallbackScopes.Select(CacheScope.Normalize)]
            : targetScope is { } t ? [t, defaultScope] : [defaultScope];
        var read = new List<CacheScope> { own };
        foreach (var fallback in fallbacks)
        {
            if (!read.Contains(fallback))
            {
                read.Add(fallback);
            }
        }

        return new ScopePlan(own, read, context.IsPullRequest ? PullRequestRefusal(own, defaultScope, targetScope, fallbacks) : null, context);
    }

    /// <summary>
    /// Why a pull request must not write <paramref name="own"/>, or null: it may write only a scope
    /// that no build reads as a fallback, i.e. none of the default branch's, its target branch's or
    /// the fallbacks it reads itself (whether <paramref name="own"/> came from the CI or --scope).
    /// </summary>
    internal static string? PullRequestRefusal(CacheScope own, CacheScope defaultScope, CacheScope? targetScope, IReadOnlyList<CacheScope> fallbacks)
    {
        var role = own == defaultScope ? "the default branch's scope"
            : own == targetScope ? "its target branch's scope"
            : fallbacks.Contains(own) ? "a fallback scope it reads"
            : null;
        return role is null ? null : $"this is a pull request build: scope {own} is {role}; it may read it but not write it";
    }

    // The project is lower-cased first (hosts treat repository names case-insensitively); the branch
    // is not: CacheScope.Normalize keeps branches that differ only in case apart.
    private static CacheScope FromParts(string? project, string? branch)
    {
        var parts = new[] { project?.ToLowerInvariant(), branch }.Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
        return CacheScope.Normalize(parts.Count == 0 ? "default" : string.Join('/', parts));
    }
}
