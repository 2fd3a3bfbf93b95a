using System.Diagnostics.CodeAnalysis;
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

    /// <summary>
    /// Turns free text such as a branch name (<c>Feature/Login_Page</c>) into a valid scope
    /// (<c>feature/login-page</c>): lower-cased, every run of other characters replaced by one
    /// <c>-</c>, separators trimmed, truncated to <see cref="MaxLength"/>.
    /// </summary>
    /// <exception cref="FormatException">Nothing usable is left (no letter or digit).</exception>
    public static CacheScope Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
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

        var value = builder.ToString();
        if (value.Length > MaxLength)
        {
            value = value[..MaxLength];
        }

        value = value.TrimEnd('-', '.', '/');
        return TryParse(value, out var scope, out _)
            ? scope
            : throw new FormatException($"\"{text}\" has no letters or digits to make a cache scope from");
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
