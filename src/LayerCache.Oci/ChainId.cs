using System.Text;

namespace LayerCache.Oci;

/// <summary>
/// The identity of a stack of layers (OCI image spec, "ChainID"): <c>ChainID(L0) = DiffID(L0)</c> and
/// <c>ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))</c>. The Docker engine keys its layer store
/// by ChainID, so it is what decides whether <c>docker load</c> needs a layer's bytes.
/// </summary>
public readonly record struct ChainId : IComparable<ChainId>
{
    private ChainId(Digest digest) => Digest = digest;

    /// <summary>The ChainID as a digest.</summary>
    public Digest Digest { get; }

    /// <summary>The ChainID of a single layer stacked on <paramref name="parent"/> (none for the bottom layer).</summary>
    public static ChainId Next(ChainId? parent, DiffId diffId)
    {
        if (diffId.IsEmpty)
        {
            throw new ArgumentException("default(DiffId) has no ChainID", nameof(diffId));
        }

        if (parent is not { } p)
        {
            return new ChainId(diffId.Digest);
        }

        var text = p.Digest.Value + " " + diffId.Digest.Value;
        return new ChainId(Digest.Compute(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The ChainID of the whole stack (the top layer's).</summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    public static ChainId Compute(IEnumerable<DiffId> diffIds)
    {
        ArgumentNullException.ThrowIfNull(diffIds);
        ChainId? chain = null;
        foreach (var diffId in diffIds)
        {
            chain = Next(chain, diffId);
        }

        return chain ?? throw new ArgumentException("an empty layer list has no ChainID", nameof(diffIds));
    }

    /// <summary>The ChainID of every prefix: element i is the ChainID of layers 0..i.</summary>
    public static IReadOnlyList<ChainId> ComputeAll(IEnumerable<DiffId> diffIds)
    {
        ArgumentNullException.ThrowIfNull(diffIds);
        var result = new List<ChainId>();
        ChainId? chain = null;
        foreach (var diffId in diffIds)
        {
            chain = Next(chain, diffId);
            result.Add(chain.Value);
        }

        return result;
    }

    /// <inheritdoc/>
    public int CompareTo(ChainId other) => Digest.CompareTo(other.Digest);

    /// <summary>The digest string.</summary>
    public override string ToString() => Digest.ToString();

    /// <summary>Ordinal ordering.</summary>
    public static bool operator <(ChainId left, ChainId right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator >(ChainId left, ChainId right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator <=(ChainId left, ChainId right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator >=(ChainId left, ChainId right) => left.CompareTo(right) >= 0;
}
