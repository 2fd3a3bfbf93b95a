using System.Text;
using System.Text.RegularExpressions;

namespace LayerCache.Core.Context;

/// <summary>
/// One .dockerignore pattern, compiled as moby/patternmatcher compiles it: an exact name, a
/// <c>dir/**</c> prefix, a <c>**/name</c> suffix, or a regular expression (<c>*</c> and <c>?</c> never
/// cross a <c>/</c>; <c>**</c> crosses any number of directories).
/// </summary>
internal sealed class IgnorePattern
{
    private enum Kind
    {
        Exact,
        Prefix,
        Suffix,
        Expression,
    }

    // patternmatcher's shouldEscape: regex characters that mean nothing in a filepath pattern.
    private const string Escaped = ".+()|{}$";

    private readonly Kind _kind;
    private readonly Regex? _expression;

    public IgnorePattern(string cleaned, bool exclusion)
    {
        Cleaned = cleaned;
        Exclusion = exclusion;
        (_kind, var expression) = Compile(cleaned);
        if (expression is not null)
        {
            try
            {
                // Non-backtracking: a pattern from the user's repository must not be able to stall a build.
                _expression = new Regex(expression, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                // patternmatcher fails the match (and docker the build) on a regexp that does not compile.
                _expression = null;
            }
        }
    }

    /// <summary>The pattern after Go's Clean, without its <c>!</c>.</summary>
    public string Cleaned { get; }

    /// <summary>True for a <c>!pattern</c>, which re-includes what earlier patterns excluded.</summary>
    public bool Exclusion { get; }

    /// <summary>The regex a pattern of this shape compiles to, for tests: null when it needs none.</summary>
    public string? Expression => _expression?.ToString();

    /// <summary>Whether the slash-separated <paramref name="path"/> matches.</summary>
    /// <exception cref="FormatException">The pattern's expression does not compile (docker fails the build).</exception>
    public bool Matches(string path)
    {
        switch (_kind)
        {
            case Kind.Exact:
                return path == Cleaned;
            case Kind.Prefix:
                return path.StartsWith(Cleaned[..^2], StringComparison.Ordinal);
            case Kind.Suffix:
                var suffix = Cleaned[2..];
                return path.EndsWith(suffix, StringComparison.Ordinal) || (suffix.Length > 0 && suffix[0] == '/' && path == suffix[1..]);
            default:
                return _expression is null ? throw new FormatException($"syntax error in pattern \"{Cleaned}\"") : _expression.IsMatch(path);
        }
    }

    private static (Kind Kind, string? Expression) Compile(string pattern)
    {
        var expression = new StringBuilder("^");
        var kind = Kind.Exact;
        var i = 0;
        var index = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i++];
            if (c == '*')
            {
                if (i < pattern.Length && pattern[i] == '*')
                {
                    i++;

                    // **/ is the same as **.
                    if (i < pattern.Length && pattern[i] == '/')
                    {
                        i++;
                    }

                    if (i == pattern.Length)
                    {
                        // A trailing ** accepts everything, as in .gitignore.
                        if (kind == Kind.Exact)
                        {
                            kind = Kind.Prefix;
                        }
                        else
                        {
                            expression.Append(".*");
                            kind = Kind.Expression;
                        }
                    }
                    else
                    {
                        // Any number of directories, even none.
                        expression.Append("(.*/)?");
                        kind = Kind.Expression;
                    }

                    if (index == 0)
                    {
                        kind = Kind.Suffix;
                    }
                }
                else
                {
                    expression.Append("[^/]*");
                    kind = Kind.Expression;
                }
            }
            else if (c == '?')
            {
                expression.Append("[^/]");
                kind = Kind.Expression;
            }
            else if (Escaped.Contains(c, StringComparison.Ordinal))
            {
                expression.Append('\\').Append(c);
            }
            else if (c == '\\')
            {
                if (i < pattern.Length)
                {
                    expression.Append('\\').Append(pattern[i++]);
                    kind = Kind.Expression;
                }
                else
                {
                    expression.Append('\\');
                }
            }
            else if (c is '[' or ']')
            {
                expression.Append(c);
                kind = Kind.Expression;
            }
            else
            {
                expression.Append(c);
            }

            index++;
        }

        // Go's $ is the end of the text; .NET's also matches before a final newline, \z does not.
        return kind == Kind.Expression ? (kind, expression.Append("\\z").ToString()) : (kind, null);
    }
}
