namespace LayerCache.Core.Reports;

/// <summary>What <c>--push</c> did with one tag of the built image.</summary>
/// <param name="Tag">The tag (<c>registry/repository:tag</c>).</param>
/// <param name="Outcome"><c>pushed</c>, <c>unchanged</c> (the registry already serves this image under the tag: nothing sent), or <c>failed</c>.</param>
/// <param name="Digest">The manifest digest the registry serves under the tag, when known.</param>
/// <param name="Error">Why the push failed, one line.</param>
public sealed record PushReport(string Tag, string Outcome, string? Digest, string? Error = null);
