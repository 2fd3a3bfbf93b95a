using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>A bad or missing blob, with the ref names of the index entries that reference it.</summary>
/// <param name="Digest">The blob.</param>
/// <param name="Kind">What is wrong.</param>
/// <param name="Detail">One line saying what was found (file path and error).</param>
/// <param name="ReferencedBy">Ref names (entries, stage aliases) whose content needs the blob; empty for an unreferenced blob.</param>
public sealed record BlobProblem(Digest Digest, BlobProblemKind Kind, string Detail, IReadOnlyList<string> ReferencedBy);
