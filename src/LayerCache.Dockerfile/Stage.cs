using System.Globalization;

namespace LayerCache.Dockerfile;

/// <summary>One build stage: a FROM instruction and the instructions up to the next FROM.</summary>
public sealed class Stage
{
    internal Stage(
        int index,
        string? name,
        StageBase stageBase,
        string? platform,
        Instruction from,
        IReadOnlyList<Instruction> instructions,
        IReadOnlyList<int> dependsOn,
        IReadOnlyList<string> externalImages)
    {
        Index = index;
        Name = name;
        Base = stageBase;
        Platform = platform;
        From = from;
        Instructions = instructions;
        DependsOn = dependsOn;
        ExternalImages = externalImages;
    }

    /// <summary>0-based position of the stage in the Dockerfile (what <c>COPY --from=0</c> refers to).</summary>
    public int Index { get; }

    /// <summary>The <c>AS</c> name as written (BuildKit never expands it), in lower case; null for an unnamed stage.</summary>
    public string? Name { get; }

    /// <summary>The name, or the index for an unnamed stage.</summary>
    public string DisplayName => Name ?? Index.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the stage starts from.</summary>
    public StageBase Base { get; }

    /// <summary>The <c>--platform</c> of the FROM after ARG expansion; null when not given.</summary>
    public string? Platform { get; }

    /// <summary>1-based line of the FROM instruction.</summary>
    public int Line => From.StartLine;

    /// <summary>The FROM instruction that opens the stage.</summary>
    public Instruction From { get; }

    /// <summary>The instructions after the FROM, up to the next FROM.</summary>
    public IReadOnlyList<Instruction> Instructions { get; }

    /// <summary>
    /// Indexes of the stages this one needs, in first-use order: the base stage, then stages named by
    /// the base stage's ONBUILD triggers (they run first), then by <c>COPY --from</c> and
    /// <c>RUN --mount=...,from=</c>.
    /// </summary>
    public IReadOnlyList<int> DependsOn { get; }

    /// <summary>Distinct external images this stage needs: its base image, then images named by the base stage's ONBUILD triggers, then <c>--from</c> and mount <c>from=</c> images.</summary>
    public IReadOnlyList<string> ExternalImages { get; }

    /// <inheritdoc />
    public override string ToString() => DisplayName;
}
