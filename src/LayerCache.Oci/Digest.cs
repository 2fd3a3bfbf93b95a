using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace LayerCache.Oci;

/// <summary>
/// A content digest such as <c>sha256:e3b0…</c>, validated once when parsed. Equality is exact:
/// the spec allows only lower-case hex for the registered algorithms, so two equal digests have
/// equal strings.
/// </summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest : IComparable<Digest>
{
    private readonly string? _value;

    private Digest(DigestAlgorithm algorithm, string value)
    {
        Algorithm = algorithm;
        _value = value;
    }

    /// <summary>The algorithm part.</summary>
    public DigestAlgorithm Algorithm { get; }

    /// <summary>The algorithm name as written in a digest string: <c>sha256</c> or <c>sha512</c>.</summary>
    public string AlgorithmName => Algorithm == DigestAlgorithm.Sha512 ? "sha512" : "sha256";

    /// <summary>The hex-encoded part after the colon.</summary>
    public string Hex => Value[(Value.IndexOf(':', StringComparison.Ordinal) + 1)..];

    /// <summary>The whole digest string, e.g. <c>sha256:…</c>.</summary>
    public string Value => _value ?? throw new InvalidOperationException("default(Digest) is not a digest.");

    /// <summary>True for <c>default(Digest)</c>, which holds no value.</summary>
    public bool IsEmpty => _value is null;

    /// <summary>Parses and validates a digest string.</summary>
    /// <exception cref="FormatException">The string is not a valid sha256 or sha512 digest.</exception>
    public static Digest Parse(string value)
    {
        if (TryParse(value, out var digest, out var error))
        {
            return digest;
        }

        throw new FormatException(error);
    }

    /// <summary>Parses a digest string without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out Digest digest) => TryParse(value, out digest, out _);

    /// <summary>Parses a digest string without throwing; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out Digest digest, out string error)
    {
        digest = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "invalid digest \"\": empty";
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = $"invalid digest \"{Truncate(value)}\": expected ALGORITHM:HEX";
            return false;
        }

        var algorithmName = value[..colon];
        DigestAlgorithm algorithm;
        int length;
        switch (algorithmName)
        {
            case "sha256":
                algorithm = DigestAlgorithm.Sha256;
                length = 64;
                break;
            case "sha512":
                algorithm = DigestAlgorithm.Sha512;
                length = 128;
                break;
            default:
                error = $"invalid digest \"{Truncate(value)}\": unsupported algorithm \"{Truncate(algorithmName)}\"";
                return false;
        }

        var hex = value.AsSpan(colon + 1);
        if (hex.Length != length)
        {
            error = $"invalid digest \"{Truncate(value)}\": {algorithmName} needs {length} hex characters, got {hex.Length}";
            return false;
        }

        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                error = $"invalid digest \"{Truncate(value)}\": hex must be lower-case 0-9a-f";
                return false;
            }
        }

        digest = new Digest(algorithm, value);
        error = string.Empty;
        return true;
    }

    /// <summary>Builds a digest from raw hash bytes.</summary>
    public static Digest FromHash(DigestAlgorithm algorithm, ReadOnlySpan<byte> hash)
    {
        var expected = algorithm == DigestAlgorithm.Sha512 ? 64 : 32;
        if (hash.Length != expected)
        {
            throw new ArgumentException($"a {algorithm} hash is {expected} bytes, got {hash.Length}", nameof(hash));
        }

        var name = algorithm == DigestAlgorithm.Sha512 ? "sha512:" : "sha256:";
        return new Digest(algorithm, name + Convert.ToHexStringLower(hash));
    }

    /// <summary>The sha256 digest of a byte span.</summary>
    public static Digest Compute(ReadOnlySpan<byte> content) => FromHash(DigestAlgorithm.Sha256, SHA256.HashData(content));

    /// <summary>The digest of a byte span with the given algorithm.</summary>
    public static Digest Compute(DigestAlgorithm algorithm, ReadOnlySpan<byte> content) =>
        algorithm == DigestAlgorithm.Sha512
            ? FromHash(algorithm, SHA512.HashData(content))
            : FromHash(algorithm, SHA256.HashData(content));

    /// <summary>Hashes a stream to its end (streaming, constant memory).</summary>
    public static async Task<Digest> ComputeAsync(Stream content, CancellationToken cancellationToken, DigestAlgorithm algorithm = DigestAlgorithm.Sha256)
    {
        ArgumentNullException.ThrowIfNull(content);
        var hash = algorithm == DigestAlgorithm.Sha512
            ? await SHA512.HashDataAsync(content, cancellationToken)
            : await SHA256.HashDataAsync(content, cancellationToken);
        return FromHash(algorithm, hash);
    }

    /// <summary>A fresh incremental hash for this algorithm.</summary>
    public static IncrementalHash CreateHash(DigestAlgorithm algorithm) =>
        IncrementalHash.CreateHash(algorithm == DigestAlgorithm.Sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256);

    /// <inheritdoc/>
    public int CompareTo(Digest other) => string.CompareOrdinal(_value, other._value);

    /// <inheritdoc/>
    public override string ToString() => _value ?? string.Empty;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator <(Digest left, Digest right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator >(Digest left, Digest right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator <=(Digest left, Digest right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator >=(Digest left, Digest right) => left.CompareTo(right) >= 0;

    private static string Truncate(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
