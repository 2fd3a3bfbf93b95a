namespace LayerCache.Core.Reports;

/// <summary>A bad or missing blob: its digest, what is wrong (<c>missing</c>, <c>corrupt</c>, ...), and the entries that use it.</summary>
public sealed record VerifyProblem(string Digest, string Kind, string Detail, IReadOnlyList<string> ReferencedBy);
