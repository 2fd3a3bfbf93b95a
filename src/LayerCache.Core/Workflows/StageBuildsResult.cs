using LayerCache.Core.Reports;

namespace LayerCache.Core.Workflows;

/// <summary>The stage images built (stage key → engine tag) and the build report.</summary>
internal sealed record StageBuildsResult(IReadOnlyDictionary<string, string> StageTags, BuildReport Report)
{
    public bool Succeeded => Report.ExitCode == 0;
}
