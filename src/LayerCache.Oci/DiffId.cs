using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>
/// The digest of a layer's <em>uncompressed</em> tar stream, as listed in an image config's
/// <c>rootfs.diff_ids</c>. A distinct type from <see cref="Oci.Digest"/> on purpose: a layer blob's
/// digest (possibly of compressed bytes) and its DiffId are different values for the same layer, and
/// mixing them up is the classic bug this type prevents. Convert explicitly with <see cref="Digest"/>
/// and <see cref="FromDigest"/>.
/// </summary>
[JsonConverter(typeof(DiffIdJsonConverter))]
public readonly record struct DiffId : IComparable<DiffId>
{
    private DiffId(Digest digest) => Digest = digest;

    /// <summary>The digest of the uncompressed layer tar.</summary>
    public Digest Digest { get; }

    /// <summary>True for <c>default(DiffId)</c>.</summary>
    public bool IsEmpty => Digest.IsEmpty;

    /// <summary>Wraps a digest known to be of an uncompressed layer.</summary>
    public static DiffId FromDigest(Digest digest)
    {
        if (digest.IsEmpty)
        {
            throw new ArgumentException("default(Digest) is not a DiffId", nameof(digest));
        }

        return new DiffId(digest);
    }

    /// <summary>Parses a digest string as a DiffId.</summary>
    /// <exception cref="FormatException">The string is not a valid digest.</exception>
    public static DiffId Parse(string value) => new(Oci.Digest.Parse(value));

    /// <summary>Parses a digest string as a DiffId without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out DiffId diffId)
    {
        var ok = Oci.Digest.TryParse(value, out var digest);
        diffId = ok ? new DiffId(digest) : default;
        return ok;
    }

    /// <inheritdoc/>
    public int CompareTo(DiffId other) => Digest.CompareTo(other.Digest);

    /// <summary>The digest string.</summary>
    public override string ToString() => Digest.ToString();

    /// <summary>Ordinal ordering.</summary>
    public static bool operator <(DiffId left, DiffId right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator >(DiffId left, DiffId right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator <=(DiffId left, DiffId right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator >=(DiffId left, DiffId right) => left.CompareTo(right) >= 0;
}
