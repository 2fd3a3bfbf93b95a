using LayerCache.Store;

namespace LayerCache.Core.Scopes;

/// <summary>
/// Decides the scopes of a run: its own (project + branch, from the CI or git, or --scope) and
/// the fallbacks it may read (the default branch's, or --fallback-scope). A pull request reads
/// the default branch's entries but never writes them: that is how PR builds are kept from
/// poisoning the main branch's cache.
/// </summary>
public static class ScopeResolver
{
    /// <summary>Resolves the scope plan.</summary>
    /// <param name="scope">The --scope option, or null to derive it.</param>
    /// <param name="fallbackScopes">The --fallback-scope options; empty to use the default branch.</param>
    /// <param name="context">The CI context.</param>
    /// <param name="gitProject">The project name from git, used when the CI has none.</param>
    /// <param name="gitBranch">The branch from git, used when the CI has none.</param>
    /// <param name="gitDefaultBranch">The default branch from git, used when the CI has none.</param>
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
        var defaultBranch = context.DefaultBranch ?? gitDefaultBranch ?? "main";
        var defaultScope = FromParts(project, defaultBranch);
        var own = scope is not null ? CacheScope.Normalize(scope) : FromParts(project, context.Branch ?? gitBranch);

        var read = new List<CacheScope> { own };
        var fallbacks = fallbackScopes.Count > 0 ? fallbackScopes.Select(CacheScope.Normalize) : [defaultScope];
        foreach (var fallback in fallbacks)
        {
            if (!read.Contains(fallback))
            {
                read.Add(fallback);
            }
        }

        string? refusal = null;
        if (context.IsPullRequest && own == defaultScope)
        {
            refusal = $"this is a pull request build: it may read scope {defaultScope} but not write it";
        }

        return new ScopePlan(own, read, refusal, context);
    }

    private static CacheScope FromParts(string? project, string? branch)
    {
        var parts = new[] { project, branch }.Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
        return CacheScope.Normalize(parts.Count == 0 ? "default" : string.Join('/', parts));
    }
}
