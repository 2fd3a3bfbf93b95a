using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace LayerCache.Store;

/// <summary>
/// The owner of cache entries, usually project and branch: <c>myproject/main</c>, <c>myproject/pr-42</c>.
/// Components of <c>[a-z0-9]</c> joined by <c>.</c>, <c>/</c>, <c>-</c> or <c>--</c>, at most
/// <see cref="MaxLength"/> characters. The grammar is strict so that <see cref="RefName"/> (slashes
/// turned into underscores) is always a valid <c>org.opencontainers.image.ref.name</c> component and
/// one that skopeo's <c>oci:DIR:REF</c> syntax accepts.
/// </summary>
public readonly partial record struct CacheScope : IComparable<CacheScope>
{
    /// <summary>The longest scope accepted.</summary>
    public const int MaxLength = 128;

    private readonly string? _value;

    private CacheScope(string value) => _value = value;

    /// <summary>The scope string.</summary>
    public string Value => _value ?? throw new InvalidOperationException("default(CacheScope) is not a scope.");

    /// <summary>
    /// The scope as a ref-name component: <c>/</c> becomes <c>_</c>. Unambiguous because a scope
    /// cannot contain <c>_</c>.
    /// </summary>
    public string RefName => Value.Replace('/', '_');

    /// <summary>Parses and validates a scope.</summary>
    /// <exception cref="FormatException">The string is not a valid scope; the message says why.</exception>
    public static CacheScope Parse(string value) =>
        TryParse(value, out var scope, out var error) ? scope : throw new FormatException(error);

    /// <summary>Parses a scope without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out CacheScope scope) => TryParse(value, out scope, out _);

    /// <summary>Parses a scope without throwing; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out CacheScope scope, out string error)
    {
        scope = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "invalid scope \"\": empty";
            return false;
        }

        if (value.Length > MaxLength)
        {
            error = $"invalid scope \"{value[..40]}...\": longer than {MaxLength} characters";
            return false;
        }

        if (!Grammar().IsMatch(value))
        {
            error = $"invalid scope \"{value}\": use lower-case letters and digits joined by '.', '/', '-' or '--' (e.g. myproject/main)";
            return false;
        }

        scope = new CacheScope(value);
        error = string.Empty;
        return true;
    }

    /// <summary>How many hex digits of SHA-256 an escaped scope carries (64 bits: no second preimage in practice).</summary>
    public const int EscapeHashLength = 16;

    /// <summary>
    /// Turns free text such as a branch name into a scope, injectively, so that two branches never
    /// share a scope (<c>MAIN</c>, <c>main-</c>, <c>main_</c> and <c>main</c> are four scopes). Text
    /// that is already a scope without <c>--</c> is kept as it is (<c>myproject/main</c>,
    /// <c>feature/login-page</c>). Anything else is escaped: a readable form (lower-cased, every run of
    /// other characters as one <c>-</c>, truncated) then <c>--</c> and the first
    /// <see cref="EscapeHashLength"/> hex digits of the SHA-256 of the text itself:
    /// <c>Feature/Login_Page</c> → <c>feature/login-page--2f1c…</c>. Kept names never contain <c>--</c>
    /// and escaped ones always end with <c>--HASH</c>, so the two can never meet.
    /// </summary>
    /// <exception cref="FormatException">Nothing usable is left (no letter or digit).</exception>
    public static CacheScope Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains("--", StringComparison.Ordinal) && TryParse(text, out var kept))
        {
            return kept;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var raw in text)
        {
            var c = char.ToLowerInvariant(raw);
            if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] is not ('-' or '.' or '/'))
            {
                builder.Append(c is '.' or '/' ? c : '-');
            }
        }

        var readable = builder.ToString();
        var room = MaxLength - 2 - EscapeHashLength;
        if (readable.Length > room)
        {
            readable = readable[..room];
        }

        readable = readable.TrimEnd('-', '.', '/');
        if (readable.Length == 0)
        {
            throw new FormatException($"\"{text}\" has no letters or digits to make a cache scope from");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..EscapeHashLength];
        return Parse($"{readable}--{hash}");
    }

    /// <inheritdoc/>
    public int CompareTo(CacheScope other) => string.CompareOrdinal(_value, other._value);

    /// <inheritdoc/>
    public override string ToString() => _value ?? string.Empty;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator <(CacheScope left, CacheScope right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator >(CacheScope left, CacheScope right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator <=(CacheScope left, CacheScope right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal ordering.</summary>
    public static bool operator >=(CacheScope left, CacheScope right) => left.CompareTo(right) >= 0;

    [GeneratedRegex(@"\A[a-z0-9]+(?:(?:[./]|--?)[a-z0-9]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();
}
