using System.Text;
using System.Text.RegularExpressions;

namespace LayerCache.Dockerfile;

/// <summary>
/// Shell-style word processing and variable expansion, a port of BuildKit's
/// <c>frontend/dockerfile/shell/lex.go</c>: quote removal, escapes, word splitting and
/// <c>$V</c>, <c>${V}</c>, <c>${V:-w}</c>, <c>${V-w}</c>, <c>${V:+w}</c>, <c>${V+w}</c>,
/// <c>${V:?w}</c>, <c>${V?w}</c>, <c>${V#p}</c>, <c>${V%p}</c> and <c>${V/p/r}</c>.
/// </summary>
/// <remarks>
/// Errors are reported as <see cref="FormatException"/> carrying only the problem; callers
/// know the Dockerfile line and wrap them into a <see cref="DockerfileException"/>.
/// An instance is not thread-safe: it keeps the scan position of the word being processed.
/// </remarks>
internal sealed class ShellLexer
{
    private const int Eof = -1;

    private readonly char _escapeToken;
    private IReadOnlyDictionary<string, string> _env = new Dictionary<string, string>();
    private readonly HashSet<string> _unmatched = new(StringComparer.Ordinal);
    private string _source = string.Empty;
    private int _pos;
    private bool _rawEscapes;

    public ShellLexer(char escapeToken)
    {
        _escapeToken = escapeToken;
    }

    /// <summary>Keep quote characters in the output instead of removing them.</summary>
    public bool RawQuotes { get; init; }

    /// <summary>Keep escape characters in the output instead of removing them.</summary>
    public bool RawEscapes { get; init; }

    /// <summary>Leave references to unset variables as written instead of expanding them to empty.</summary>
    public bool SkipUnsetEnv { get; init; }

    /// <summary>
    /// The variables the last expansion referred to that had no value (BuildKit's
    /// <c>ProcessWordWithMatches</c> result <c>Unmatched</c>).
    /// </summary>
    public IReadOnlySet<string> Unmatched => _unmatched;

    /// <summary>Expands <paramref name="word"/> as one word (spaces between words are kept).</summary>
    public string ProcessWord(string word, IReadOnlyDictionary<string, string> env)
        => Process(word, env).Result;

    /// <summary>Expands <paramref name="word"/> and splits the result into words, honouring quotes.</summary>
    public IReadOnlyList<string> ProcessWords(string word, IReadOnlyDictionary<string, string> env)
        => Process(word, env).Words;

    private (string Result, List<string> Words) Process(string word, IReadOnlyDictionary<string, string> env)
    {
        _env = env;
        _unmatched.Clear();
        _source = word;
        _pos = 0;
        _rawEscapes = RawEscapes;
        try
        {
            return ProcessStopOn(Eof, RawEscapes);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"failed to process \"{word}\": {ex.Message}", ex);
        }
    }

    private int Peek() => _pos < _source.Length ? _source[_pos] : Eof;

    private int Next() => _pos < _source.Length ? _source[_pos++] : Eof;

    private (string Result, List<string> Words) ProcessStopOn(int stopChar, bool rawEscapes)
    {
        var result = new StringBuilder();
        var words = new WordsBuilder();

        // The raw-escapes mode is scoped to this call, as BuildKit's deferred restore does.
        var savedRawEscapes = _rawEscapes;
        _rawEscapes = rawEscapes;
        try
        {
            while (Peek() != Eof)
            {
                var ch = Peek();
                if (stopChar != Eof && ch == stopChar)
                {
                    Next();
                    return (result.ToString(), words.GetWords());
                }

                if (ch == '$')
                {
                    var expanded = ProcessDollar();
                    result.Append(expanded);
                    words.AddString(expanded);
                }
                else if (ch == '\'')
                {
                    var quoted = ProcessSingleQuote();
                    result.Append(quoted);
                    words.AddRawString(quoted);
                }
                else if (ch == '"')
                {
                    var quoted = ProcessDoubleQuote();
                    result.Append(quoted);
                    words.AddRawString(quoted);
                }
                else
                {
                    var c = (char)Next();
                    if (c == _escapeToken)
                    {
                        if (_rawEscapes)
                        {
                            words.AddRawChar(c);
                            result.Append(c);
                        }

                        // The escape token escapes the next character, except at the end of the word.
                        var escaped = Next();
                        if (escaped == Eof)
                        {
                            break;
                        }

                        c = (char)escaped;
                        words.AddRawChar(c);
                    }
                    else
                    {
                        words.AddChar(c);
                    }

                    result.Append(c);
                }
            }

            if (stopChar != Eof)
            {
                throw new FormatException($"unexpected end of statement while looking for matching {(char)stopChar}");
            }

            return (result.ToString(), words.GetWords());
        }
        finally
        {
            _rawEscapes = savedRawEscapes;
        }
    }

    private string ProcessSingleQuote()
    {
        // Everything between single quotes is literal; a single quote cannot be escaped.
        var result = new StringBuilder();
        var ch = Next();
        if (RawQuotes)
        {
            result.Append((char)ch);
        }

        while (true)
        {
            ch = Next();
            if (ch == Eof)
            {
                throw new FormatException("unexpected end of statement while looking for matching single-quote");
            }

            if (ch == '\'')
            {
                if (RawQuotes)
                {
                    result.Append((char)ch);
                }

                return result.ToString();
            }

            result.Append((char)ch);
        }
    }

    private string ProcessDoubleQuote()
    {
        // Inside double quotes only $, the closing quote and the escape token are special, and
        // the escape token only escapes ", $ and itself (sh semantics).
        var result = new StringBuilder();
        var ch = Next();
        if (RawQuotes)
        {
            result.Append((char)ch);
        }

        while (true)
        {
            switch (Peek())
            {
                case Eof:
                    throw new FormatException("unexpected end of statement while looking for matching double-quote");
                case '"':
                    ch = Next();
                    if (RawQuotes)
                    {
                        result.Append((char)ch);
                    }

                    return result.ToString();
                case '$':
                    result.Append(ProcessDollar());
                    break;
                default:
                    ch = Next();
                    if (ch == _escapeToken)
                    {
                        if (_rawEscapes)
                        {
                            result.Append((char)ch);
                        }

                        var following = Peek();
                        if (following == Eof)
                        {
                            continue;
                        }

                        if (following == '"' || following == '$' || following == _escapeToken)
                        {
                            ch = Next();
                        }
                    }

                    result.Append((char)ch);
                    break;
            }
        }
    }

    private string ProcessDollar()
    {
        Next();

        if (Peek() != '{')
        {
            var simpleName = ProcessName();
            if (simpleName.Length == 0)
            {
                return "$";
            }

            var found = TryGetEnv(simpleName, out var simpleValue);
            if (!found && SkipUnsetEnv)
            {
                return "$" + simpleName;
            }

            return simpleValue;
        }

        Next();
        switch (Peek())
        {
            case Eof:
                throw new FormatException("syntax error: missing '}'");
            case '{':
            case '}':
            case ':':
                throw new FormatException("syntax error: bad substitution");
        }

        var name = ProcessName();
        var ch = Next();
        var modifier = ch == Eof ? string.Empty : ((char)ch).ToString();
        var nullIsUnset = false;

        if (ch == '}')
        {
            var set = TryGetEnv(name, out var value);
            if (!set && SkipUnsetEnv)
            {
                return "${" + name + "}";
            }

            return value;
        }

        if (ch == ':')
        {
            nullIsUnset = true;
            ch = Next();
            modifier += ch == Eof ? string.Empty : ((char)ch).ToString();
        }

        if (nullIsUnset || ch is '+' or '-' or '?' or '#' or '%')
        {
            return ProcessModifier(name, ch, modifier, nullIsUnset);
        }

        if (ch == '/')
        {
            return ProcessReplacement(name);
        }

        throw new FormatException($"unsupported modifier ({modifier}) in substitution");
    }

    private string ProcessModifier(string name, int ch, string modifier, bool nullIsUnset)
    {
        // Patterns of # and % keep their escapes so the pattern converter can see them.
        var rawEscapes = ch is '#' or '%';
        string word;
        try
        {
            word = ProcessStopOn('}', rawEscapes).Result;
        }
        catch (FormatException) when (Peek() == Eof)
        {
            throw new FormatException("syntax error: missing '}'");
        }

        var set = TryGetEnv(name, out var value);
        if (SkipUnsetEnv && !set)
        {
            return "${" + name + modifier + word + "}";
        }

        switch (ch)
        {
            case '-':
                return !set || (nullIsUnset && value.Length == 0) ? word : value;
            case '+':
                return !set || (nullIsUnset && value.Length == 0) ? string.Empty : word;
            case '?':
                if (!set)
                {
                    throw new FormatException($"{name}: {(word.Length == 0 ? "is not allowed to be unset" : word)}");
                }

                if (nullIsUnset && value.Length == 0)
                {
                    throw new FormatException($"{name}: {(word.Length == 0 ? "is not allowed to be empty" : word)}");
                }

                return value;
            case '%':
            case '#':
                // One # or % removes the shortest match, a doubled one the longest.
                var greedy = false;
                if (word.Length > 0 && word[0] == ch)
                {
                    greedy = true;
                    word = word[1..];
                }

                return ch == '%' ? TrimSuffix(word, value, greedy) : TrimPrefix(word, value, greedy);
            default:
                throw new FormatException($"unsupported modifier ({modifier}) in substitution");
        }
    }

    private string ProcessReplacement(string name)
    {
        var replaceAll = Peek() == '/';
        if (replaceAll)
        {
            Next();
        }

        string pattern;
        try
        {
            pattern = ProcessStopOn('/', true).Result;
        }
        catch (FormatException) when (Peek() == Eof)
        {
            throw new FormatException("syntax error: missing '/' in ${}");
        }

        string replacement;
        try
        {
            replacement = ProcessStopOn('}', true).Result;
        }
        catch (FormatException) when (Peek() == Eof)
        {
            throw new FormatException("syntax error: missing '}'");
        }

        var set = TryGetEnv(name, out var value);
        if (SkipUnsetEnv && !set)
        {
            return "${" + name + "/" + pattern + "/" + replacement + "}";
        }

        var regex = ShellPatternToRegex(pattern, greedy: true, anchored: false);
        if (replaceAll)
        {
            return regex.Replace(value, replacement.Replace("$", "$$", StringComparison.Ordinal));
        }

        var match = regex.Match(value);
        return match.Success
            ? string.Concat(value.AsSpan(0, match.Index), replacement, value.AsSpan(match.Index + match.Length))
            : value;
    }

    private string ProcessName()
    {
        // A name is alphanumeric or _, a run of digits (positional) or one special parameter.
        var name = new StringBuilder();
        while (Peek() != Eof)
        {
            var ch = (char)Peek();
            if (name.Length == 0 && char.IsDigit(ch))
            {
                while (Peek() != Eof && char.IsDigit((char)Peek()))
                {
                    name.Append((char)Next());
                }

                return name.ToString();
            }

            if (name.Length == 0 && ch is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0')
            {
                Next();
                return ch.ToString();
            }

            if (!char.IsLetter(ch) && !char.IsDigit(ch) && ch != '_')
            {
                break;
            }

            name.Append((char)Next());
        }

        return name.ToString();
    }

    private bool TryGetEnv(string name, out string value)
    {
        if (_env.TryGetValue(name, out var found))
        {
            value = found;
            return true;
        }

        _unmatched.Add(name);
        value = string.Empty;
        return false;
    }

    private static Regex ShellPatternToRegex(string pattern, bool greedy, bool anchored)
    {
        // ? is one character, * the shortest (or, greedy, the longest) run; no bracket expressions.
        var output = new StringBuilder(pattern.Length + 4);
        if (anchored)
        {
            output.Append('^');
        }

        var star = greedy ? ".*" : ".*?";
        for (var i = 0; i < pattern.Length; i++)
        {
            var tok = pattern[i];
            switch (tok)
            {
                case '*':
                    output.Append(star);
                    continue;
                case '?':
                    output.Append('.');
                    continue;
                case '\\':
                    // \} and \/ are escapes of the ${} syntax, not of the pattern.
                    var next = i + 1 < pattern.Length ? pattern[i + 1] : '\0';
                    if (next is '}' or '/')
                    {
                        continue;
                    }

                    if (next is not ('*' or '?' or '\\'))
                    {
                        throw new FormatException($"invalid pattern ({pattern}) in substitution: invalid escape '\\{next}'");
                    }

                    output.Append('\\').Append(next);
                    i++;
                    continue;
            }

            output.Append(Regex.Escape(tok.ToString()));
        }

        return new Regex(output.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static string TrimPrefix(string pattern, string value, bool greedy)
    {
        var match = ShellPatternToRegex(pattern, greedy, anchored: true).Match(value);
        return match.Success ? value[(match.Index + match.Length)..] : value;
    }

    private static string TrimSuffix(string pattern, string value, bool greedy)
    {
        // Regular expressions find leftmost matches, so the shortest rightmost match is found
        // by reversing both the pattern (keeping escapes before their character) and the value.
        var trimmed = TrimPrefix(ReversePattern(pattern), Reverse(value), greedy);
        return Reverse(trimmed);
    }

    private static string ReversePattern(string pattern)
    {
        // Reverses by code point, keeping each escape in front of the character it escapes.
        var runes = Runes(pattern);
        var output = new string[runes.Count];
        var last = runes.Count - 1;
        for (var i = 0; i <= last;)
        {
            var outIdx = last - i;
            if (runes[i] == "\\" && i != last)
            {
                output[outIdx - 1] = runes[i];
                output[outIdx] = runes[i + 1];
                i += 2;
            }
            else
            {
                output[outIdx] = runes[i];
                i++;
            }
        }

        return string.Concat(output);
    }

    private static string Reverse(string value)
    {
        var runes = Runes(value);
        runes.Reverse();
        return string.Concat(runes);
    }

    // Go reverses runes, not UTF-16 units; reversing units would split surrogate pairs.
    private static List<string> Runes(string value)
    {
        var runes = new List<string>(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            runes.Add(rune.ToString());
        }

        return runes;
    }

    /// <summary>Accumulates split words the way BuildKit's <c>wordsStruct</c> does.</summary>
    private sealed class WordsBuilder
    {
        private readonly List<string> _words = [];
        private readonly StringBuilder _word = new();
        private bool _inWord;

        public void AddChar(char ch)
        {
            if (char.IsWhiteSpace(ch) && _inWord)
            {
                if (_word.Length != 0)
                {
                    _words.Add(_word.ToString());
                    _word.Clear();
                    _inWord = false;
                }
            }
            else if (!char.IsWhiteSpace(ch))
            {
                AddRawChar(ch);
            }
        }

        public void AddRawChar(char ch)
        {
            _word.Append(ch);
            _inWord = true;
        }

        public void AddString(string text)
        {
            foreach (var ch in text)
            {
                AddChar(ch);
            }
        }

        public void AddRawString(string text)
        {
            _word.Append(text);
            _inWord = true;
        }

        public List<string> GetWords()
        {
            if (_word.Length > 0)
            {
                _words.Add(_word.ToString());
                _word.Clear();
                _inWord = false;
            }

            return _words;
        }
    }
}
