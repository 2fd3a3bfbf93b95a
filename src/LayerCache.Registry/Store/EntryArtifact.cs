using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>
/// A small OCI artifact manifest a registry store keeps beside an entry, whose subject is the entry's
/// index and whose one annotation carries a value about it: its signature, or when it was last used.
/// Tagged <c>sha256-HEX.SUFFIX</c> (the referrers tag schema's name with a suffix, cosign's <c>.sig</c>
/// for signatures), which no entry tag can be, so any registry keeps it without the referrers API.
/// </summary>
internal sealed record EntryArtifact(string Name, string Suffix, string ArtifactType, string Annotation)
{
    /// <summary>The entry's <see cref="EntrySigner"/> signature.</summary>
    public static readonly EntryArtifact Signature = new("signature", ".sig", StoreAnnotations.SignatureArtifactType, StoreAnnotations.Signature);

    /// <summary>When the entry was last restored (RFC 3339).</summary>
    public static readonly EntryArtifact Usage = new("last-used record", ".used", StoreAnnotations.UsageArtifactType, StoreAnnotations.LastUsed);

    /// <summary>Every kind.</summary>
    public static readonly IReadOnlyList<EntryArtifact> All = [Signature, Usage];

    /// <summary>The tag of this kind of artifact about <paramref name="entryId"/>.</summary>
    public string Tag(Digest entryId) => $"{entryId.AlgorithmName}-{entryId.Hex}{Suffix}";

    /// <summary>True when <paramref name="tag"/> is the shape of this kind's tags.</summary>
    public bool IsTag(string tag) => tag.EndsWith(Suffix, StringComparison.Ordinal) && tag.StartsWith("sha256-", StringComparison.Ordinal);
}
