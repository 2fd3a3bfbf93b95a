using System.Text;
using System.Text.RegularExpressions;

namespace LayerCache.Cli.Tests;

/// <summary>
/// Finds the <c>layercache …</c> command lines in a shell script the way a POSIX shell splits them:
/// commands start a line or follow <c>;</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>|</c>, <c>$(</c>;
/// quotes group words; redirections and comments are not arguments. Enough of the shell for CI
/// recipes, not all of it: an unquoted lone <c>$VAR</c> expands to words nobody can know, so it is
/// left out; a quoted one is one word.
/// </summary>
internal static partial class ShellCommands
{
    private static readonly HashSet<string> Prefixes = new(StringComparer.Ordinal) { "!", "then", "do", "else", "time", "exec", "sudo" };

    /// <summary>Each layercache command's arguments (without the program name), with the line it starts on.</summary>
    public static IEnumerable<(string Line, string[] Arguments)> Find(string script)
    {
        // CI expressions (${{ … }} on GitHub) are one word each, whatever they contain.
        script = Expression().Replace(script, "EXPR").Replace("\\\r\n", " ", StringComparison.Ordinal).Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var start in CommandStarts(script))
        {
            var (words, end) = ReadCommand(script, start);
            var i = 0;
            while (i < words.Count && (Prefixes.Contains(words[i]) || Assignment().IsMatch(words[i])))
            {
                i++;
            }

            if (i < words.Count && words[i] == "layercache")
            {
                yield return (script[start..end].Trim(), words.Skip(i + 1).ToArray());
            }
        }
    }

    private static IEnumerable<int> CommandStarts(string s)
    {
        yield return 0;
        var quote = '\0';
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }

                continue;
            }

            if (c == '\\')
            {
                i++;
                continue;
            }

            if (c == '$' && i + 1 < s.Length && s[i + 1] == '(')
            {
                yield return i + 2;
                i++;
                continue;
            }

            if (quote == '"')
            {
                if (c == '"')
                {
                    quote = '\0';
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '\n' or ';' or '|' or '&' or '`' or '(':
                    yield return i + 1;
                    break;
                case '#' when i == 0 || char.IsWhiteSpace(s[i - 1]):
                    // A comment runs to the end of the line: nothing in it starts a command.
                    while (i + 1 < s.Length && s[i + 1] != '\n')
                    {
                        i++;
                    }

                    break;
            }
        }
    }

    private static (List<string> Words, int End) ReadCommand(string s, int i)
    {
        var words = new List<string>();
        while (true)
        {
            while (i < s.Length && s[i] is ' ' or '\t' or '\r')
            {
                i++;
            }

            if (i >= s.Length || s[i] is '\n' or ';' or '|' or '&' or ')' or '`' || (s[i] == '#'))
            {
                return (words, i);
            }

            var redirect = s[i] is '<' or '>' || (char.IsDigit(s[i]) && i + 1 < s.Length && s[i + 1] is '<' or '>');
            var (word, quoted, next) = ReadWord(s, i);
            i = next;
            if (redirect)
            {
                // "> file", "2>&1", ">file": the redirection and its target are not arguments.
                if (Regex.IsMatch(word, "^[0-9]*[<>]+&?$"))
                {
                    while (i < s.Length && s[i] is ' ' or '\t')
                    {
                        i++;
                    }

                    (_, _, i) = ReadWord(s, i);
                }

                continue;
            }

            if (!quoted && LoneVariable().IsMatch(word))
            {
                continue;
            }

            words.Add(word);
        }
    }

    private static (string Word, bool Quoted, int Next) ReadWord(string s, int i)
    {
        var word = new StringBuilder();
        var quoted = false;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is ' ' or '\t' or '\r' or '\n' or ';' or '|' or '&' or ')' or '`')
            {
                break;
            }

            if (c == '\'')
            {
                quoted = true;
                var close = s.IndexOf('\'', i + 1);
                close = close < 0 ? s.Length : close;
                word.Append(s, i + 1, close - i - 1);
                i = close + 1;
                continue;
            }

            if (c == '"')
            {
                quoted = true;
                i++;
                while (i < s.Length && s[i] != '"')
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        i++;
                    }
                    else if (s[i] == '$' && i + 1 < s.Length && s[i + 1] == '(')
                    {
                        i = SkipSubstitution(s, i, word);
                        continue;
                    }

                    word.Append(s[i]);
                    i++;
                }

                i++;
                continue;
            }

            if (c == '$' && i + 1 < s.Length && s[i + 1] == '(')
            {
                i = SkipSubstitution(s, i, word);
                continue;
            }

            if (c == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            word.Append(s[i]);
            i++;
        }

        return (word.ToString(), quoted, i);
    }

    /// <summary>Copies a $( … ) with nested parentheses into the word as text; returns the index after it.</summary>
    private static int SkipSubstitution(string s, int i, StringBuilder word)
    {
        var depth = 0;
        var start = i;
        for (i += 1; i < s.Length; i++)
        {
            if (s[i] == '(')
            {
                depth++;
            }
            else if (s[i] == ')' && --depth == 0)
            {
                i++;
                break;
            }
        }

        word.Append(s, start, i - start);
        return i;
    }

    [GeneratedRegex(@"\$\{\{.*?\}\}", RegexOptions.Singleline)]
    private static partial Regex Expression();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*|@|\*)$")]
    private static partial Regex LoneVariable();
}
