namespace LayerCache.Dockerfile;

/// <summary>The base of a stage: an external image, an earlier stage, or <c>scratch</c>.</summary>
/// <param name="Kind">Which of the three the base is.</param>
/// <param name="Reference">The FROM value after ARG expansion, as written (image reference, stage name or <c>scratch</c>).</param>
/// <param name="StageIndex">The index of the base stage when <paramref name="Kind"/> is <see cref="StageBaseKind.Stage"/>.</param>
public sealed record StageBase(StageBaseKind Kind, string Reference, int? StageIndex);
