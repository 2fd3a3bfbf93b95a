using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LayerCache.Dockerfile;

/// <summary>
/// The per-keyword argument splitters of BuildKit's <c>line_parsers.go</c> and <c>split_command.go</c>.
/// They only shape arguments; quote removal and variable expansion happen later, per instruction.
/// </summary>
internal static partial class LineParsers
{
    public const string NotStringArray = "when using JSON array syntax, arrays must be comprised of strings only";

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 10000 };

    /// <summary>Arguments shaped for one keyword.</summary>
    /// <param name="Arguments">The argument values.</param>
    /// <param name="IsJson">True when they came from a JSON array.</param>
    public readonly record struct Shaped(IReadOnlyList<string> Arguments, bool IsJson);

    [GeneratedRegex(@"[\t\v\f\r ]+")]
    private static partial Regex Whitespace();

    /// <summary>Splits a logical line into lower-case keyword, flags and the rest.</summary>
    public static (string Keyword, List<string> Flags, string Remainder) SplitCommand(string line)
    {
        var parts = Whitespace().Split(line.Trim(), 2);
        var keyword = parts[0].ToLowerInvariant();
        var flags = new List<string>();
        var rest = string.Empty;
        if (parts.Length == 2)
        {
            rest = ExtractBuilderFlags(parts[1], flags);
        }

        return (keyword, flags, rest.Trim());
    }

    /// <summary>
    /// Takes the leading <c>--flag</c> words off <paramref name="line"/>; a lone <c>--</c> ends them.
    /// Flag words honour quotes and backslash escapes (always backslash, as in BuildKit).
    /// </summary>
    private static string ExtractBuilderFlags(string line, List<string> flags)
    {
        const int InSpaces = 0, InWord = 1, InQuote = 2;
        var phase = InSpaces;
        var word = new StringBuilder();
        var quote = '\0';
        var blankOk = false;
        var ch = '\0';

        for (var pos = 0; pos <= line.Length; pos++)
        {
            if (pos != line.Length)
            {
                ch = line[pos];
            }

            if (phase == InSpaces)
            {
                if (pos == line.Length)
                {
                    break;
                }

                if (char.IsWhiteSpace(ch))
                {
                    continue;
                }

                if (ch != '-' || pos + 1 == line.Length || line[pos + 1] != '-')
                {
                    return line[pos..];
                }

                phase = InWord;
            }

            if (pos == line.Length)
            {
                if (word.ToString() != "--" && (blankOk || word.Length > 0))
                {
                    flags.Add(word.ToString());
                }

                break;
            }

            if (phase == InWord)
            {
                if (char.IsWhiteSpace(ch))
                {
                    phase = InSpaces;
                    if (word.ToString() == "--")
                    {
                        return line[pos..];
                    }

                    if (blankOk || word.Length > 0)
                    {
                        flags.Add(word.ToString());
                    }

                    word.Clear();
                    blankOk = false;
                    continue;
                }

                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                    phase = InQuote;
                    continue;
                }

                if (ch == '\\')
                {
                    if (pos + 1 == line.Length)
                    {
                        continue;
                    }

                    pos++;
                    ch = line[pos];
                }

                word.Append(ch);
                continue;
            }

            if (ch == quote)
            {
                phase = InWord;
                continue;
            }

            if (ch == '\\')
            {
                if (pos + 1 == line.Length)
                {
                    phase = InWord;
                    continue;
                }

                pos++;
                ch = line[pos];
            }

            word.Append(ch);
        }

        return string.Empty;
    }

    /// <summary>
    /// Splits into words at unquoted whitespace, keeping quotes and escape tokens in the words
    /// (they are removed later, when the instruction is evaluated).
    /// </summary>
    public static List<string> ParseWords(string rest, char escapeToken)
    {
        const int InSpaces = 0, InWord = 1, InQuote = 2;
        var words = new List<string>();
        var phase = InSpaces;
        var quote = '\0';
        var blankOk = false;
        var word = new StringBuilder();
        var ch = '\0';

        for (var pos = 0; pos <= rest.Length; pos++)
        {
            if (pos != rest.Length)
            {
                ch = rest[pos];
            }

            if (phase == InSpaces)
            {
                if (pos == rest.Length)
                {
                    break;
                }

                if (char.IsWhiteSpace(ch))
                {
                    continue;
                }

                phase = InWord;
            }

            if (pos == rest.Length)
            {
                if (blankOk || word.Length > 0)
                {
                    words.Add(word.ToString());
                }

                break;
            }

            if (phase == InWord)
            {
                if (char.IsWhiteSpace(ch))
                {
                    phase = InSpaces;
                    if (blankOk || word.Length > 0)
                    {
                        words.Add(word.ToString());
                    }

                    word.Clear();
                    blankOk = false;
                    continue;
                }

                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                    phase = InQuote;
                }

                if (ch == escapeToken)
                {
                    if (pos + 1 == rest.Length)
                    {
                        continue;
                    }

                    // Outside quotes an escape always keeps itself and the next character, even a quote.
                    word.Append(ch);
                    pos++;
                    ch = rest[pos];
                }

                word.Append(ch);
                continue;
            }

            if (ch == quote)
            {
                phase = InWord;
            }

            // Inside single quotes nothing can be escaped.
            if (ch == escapeToken && quote != '\'')
            {
                if (pos + 1 == rest.Length)
                {
                    phase = InWord;
                    continue;
                }

                pos++;
                word.Append(ch);
                ch = rest[pos];
            }

            word.Append(ch);
        }

        return words;
    }

    /// <summary>ENV and LABEL: <c>k=v ...</c> (separator <c>=</c>) or legacy <c>k v</c> (separator empty).</summary>
    public static Shaped ParseNameVal(string rest, string keyword, char escapeToken)
    {
        var words = ParseWords(rest, escapeToken);
        if (words.Count == 0)
        {
            return new Shaped([], false);
        }

        if (!words[0].Contains('=', StringComparison.Ordinal))
        {
            var parts = Whitespace().Split(rest, 2);
            if (parts.Length < 2)
            {
                throw new FormatException($"{keyword} must have two arguments");
            }

            return new Shaped([parts[0], parts[1], string.Empty], false);
        }

        var arguments = new List<string>(words.Count * 3);
        foreach (var word in words)
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new FormatException($"Syntax error - can't find = in {GoQuote.Quote(word)}. Must be of the form: name=value");
            }

            arguments.Add(word[..equals]);
            arguments.Add(word[(equals + 1)..]);
            arguments.Add("=");
        }

        return new Shaped(arguments, false);
    }

    /// <summary>FROM and EXPOSE (and shell-form COPY/ADD/VOLUME): whitespace-separated words, quotes untouched.</summary>
    public static Shaped ParseStringsWhitespaceDelimited(string rest)
        => rest.Length == 0 ? new Shaped([], false) : new Shaped(Whitespace().Split(rest), false);

    /// <summary>USER, WORKDIR, MAINTAINER, STOPSIGNAL: the rest as one argument.</summary>
    public static Shaped ParseString(string rest)
        => rest.Length == 0 ? new Shaped([], false) : new Shaped([rest], false);

    /// <summary>RUN, CMD, ENTRYPOINT, SHELL: a JSON string array, or else the rest as one shell-form argument.</summary>
    public static Shaped ParseMaybeJson(string rest)
    {
        if (rest.Length == 0)
        {
            return new Shaped([], false);
        }

        return TryParseJson(rest) is { } json ? new Shaped(json, true) : new Shaped([rest], false);
    }

    /// <summary>COPY, ADD, VOLUME: a JSON string array, or else whitespace-separated words.</summary>
    public static Shaped ParseMaybeJsonToList(string rest)
        => TryParseJson(rest) is { } json ? new Shaped(json, true) : ParseStringsWhitespaceDelimited(rest);

    /// <summary>HEALTHCHECK: the type word (<c>CMD</c>, <c>NONE</c>) then the command as for CMD.</summary>
    public static Shaped ParseHealthConfig(string rest)
    {
        var sep = 0;
        while (sep < rest.Length && !char.IsWhiteSpace(rest[sep]))
        {
            sep++;
        }

        var next = sep;
        while (next < rest.Length && char.IsWhiteSpace(rest[next]))
        {
            next++;
        }

        if (sep == 0)
        {
            return new Shaped([], false);
        }

        var command = ParseMaybeJson(rest[next..]);
        return new Shaped([rest[..sep], .. command.Arguments], command.IsJson);
    }

    /// <summary>
    /// The elements of a JSON array of strings, or null when <paramref name="rest"/> is not valid JSON
    /// (then it is shell form). Valid JSON with a non-string element is an error, as in BuildKit.
    /// </summary>
    private static List<string>? TryParseJson(string rest)
    {
        var trimmed = rest.TrimStart();
        if (!trimmed.StartsWith('['))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(trimmed, JsonOptions);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var values = new List<string>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException(NotStringArray);
                }

                values.Add(element.GetString() ?? string.Empty);
            }

            return values;
        }
    }
}
