using System.Text;

namespace LayerCache.Registry.Client;

/// <summary>
/// One challenge of a <c>WWW-Authenticate</c> header (RFC 7235): a scheme (<c>Basic</c>, <c>Bearer</c>)
/// and its parameters (for Bearer: <c>realm</c>, <c>service</c>, <c>scope</c>, as Docker's token
/// authentication specifies).
/// </summary>
public sealed record AuthChallenge
{
    /// <summary>The scheme, e.g. <c>Bearer</c>, compared case-insensitively.</summary>
    public required string Scheme { get; init; }

    /// <summary>The parameters, names lower-cased.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>True for <c>Basic</c>.</summary>
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for <c>Bearer</c>.</summary>
    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    /// <summary>The <c>realm</c> parameter (for Bearer, the token endpoint).</summary>
    public string? Realm => Get("realm");

    /// <summary>The <c>service</c> parameter.</summary>
    public string? Service => Get("service");

    /// <summary>The <c>scope</c> parameter split at spaces (e.g. <c>repository:app:pull,push</c>).</summary>
    public IReadOnlyList<string> Scopes => Get("scope") is { } scope ? scope.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];

    /// <summary>The <c>error</c> parameter (RFC 6750), e.g. <c>insufficient_scope</c>.</summary>
    public string? Error => Get("error");

    /// <summary>A parameter by (case-insensitive) name.</summary>
    public string? Get(string name) => Parameters.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;

    /// <summary>
    /// Every challenge in a header value, e.g. <c>Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"</c>.
    /// Lenient: a malformed part ends the parse with what was read so far, never an exception.
    /// </summary>
    public static IReadOnlyList<AuthChallenge> ParseHeader(string? header)
    {
        var result = new List<AuthChallenge>();
        if (string.IsNullOrWhiteSpace(header) || header.Length > 8192)
        {
            return result;
        }

        var position = 0;
        while (true)
        {
            SkipSeparators(header, ref position);
            var scheme = ReadToken(header, ref position);
            if (scheme.Length == 0)
            {
                return result;
            }

            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            while (true)
            {
                SkipSeparators(header, ref position);
                var mark = position;
                var name = ReadToken(header, ref position);
                SkipSpaces(header, ref position);
                if (name.Length == 0 || position >= header.Length || header[position] != '=')
                {
                    // Not name=value: the next challenge's scheme (or token68 data, which no registry sends).
                    position = mark;
                    break;
                }

                position++;
                SkipSpaces(header, ref position);
                var value = position < header.Length && header[position] == '"' ? ReadQuoted(header, ref position) : ReadToken(header, ref position);
                parameters[name.ToLowerInvariant()] = value;
            }

            result.Add(new AuthChallenge { Scheme = scheme, Parameters = parameters });
            if (position >= header.Length)
            {
                return result;
            }
        }
    }

    /// <summary>The challenge from a parsed header value (.NET splits a header into scheme and parameter text).</summary>
    public static AuthChallenge FromParts(string scheme, string? parameter)
    {
        var parsed = ParseHeader(scheme + " " + (parameter ?? string.Empty));
        return parsed.Count > 0 ? parsed[0] : new AuthChallenge { Scheme = scheme, Parameters = new Dictionary<string, string>() };
    }

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t')
        {
            position++;
        }
    }

    private static void SkipSeparators(string text, ref int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t' or ',')
        {
            position++;
        }
    }

    private static string ReadToken(string text, ref int position)
    {
        var start = position;
        while (position < text.Length && text[position] is not (' ' or '\t' or ',' or '=' or '"'))
        {
            position++;
        }

        return text[start..position];
    }

    private static string ReadQuoted(string text, ref int position)
    {
        var value = new StringBuilder();
        position++;
        while (position < text.Length)
        {
            var c = text[position++];
            if (c == '"')
            {
                return value.ToString();
            }

            if (c == '\\' && position < text.Length)
            {
                c = text[position++];
            }

            value.Append(c);
        }

        return value.ToString();
    }
}
