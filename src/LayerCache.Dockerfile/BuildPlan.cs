namespace LayerCache.Dockerfile;

/// <summary>
/// The stages a build target needs, in build order, and the external images they pull.
/// Produced by <see cref="StageGraph.Plan"/>.
/// </summary>
public sealed class BuildPlan
{
    internal BuildPlan(
        IReadOnlyList<Stage> allStages,
        IReadOnlyList<Stage> stages,
        Stage target,
        IReadOnlyList<string> externalImages,
        IReadOnlyDictionary<string, string> metaArgs)
    {
        AllStages = allStages;
        Stages = stages;
        Target = target;
        ExternalImages = externalImages;
        MetaArgs = metaArgs;
    }

    /// <summary>Every stage of the Dockerfile, by index.</summary>
    public IReadOnlyList<Stage> AllStages { get; }

    /// <summary>
    /// The stages the target needs in file order, which is BuildKit's dispatch order: a stage may only
    /// use stages defined before it, so dependencies come first and the target last.
    /// </summary>
    public IReadOnlyList<Stage> Stages { get; }

    /// <summary>The stage being built.</summary>
    public Stage Target { get; }

    /// <summary>Distinct external images the needed stages use (bases and <c>--from</c> images), in first-use order.</summary>
    public IReadOnlyList<string> ExternalImages { get; }

    /// <summary>
    /// Effective values of the ARGs declared before the first FROM: the build-arg when given, else the
    /// default, else the value it already had (an earlier declaration or a built-in arg such as
    /// <c>TARGETSTAGE</c>). An ARG with none of these is unset and absent here.
    /// </summary>
    public IReadOnlyDictionary<string, string> MetaArgs { get; }
}
