using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LayerCache.Dockerfile;

/// <summary>
/// Parses Dockerfile text into a <see cref="DockerfileSyntax"/> the way BuildKit's
/// <c>frontend/dockerfile/parser</c> does: parser directives, comments, line continuations,
/// heredocs, JSON and shell forms, flags and ONBUILD. Pure: no I/O except <see cref="ParseFileAsync"/>.
/// </summary>
public static partial class DockerfileParser
{
    private static readonly HashSet<string> KnownKeywords =
    [
        "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck", "label",
        "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir",
    ];

    private static readonly HashSet<string> HeredocKeywords = ["add", "copy", "run"];

    private static readonly HashSet<string> ValidDirectives = ["syntax", "escape", "check"];

    private static readonly Regex BackslashContinuation = ContinuationRegex('\\');
    private static readonly Regex BacktickContinuation = ContinuationRegex('`');

    // \s in Go's RE2 is [\t\n\f\r ]; .NET's is wider, so it is spelled out.
    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Directive();

    [GeneratedRegex(@"^([0-9]*)<<(-?)([^<]*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex HeredocWord();

    /// <summary>Parses Dockerfile <paramref name="text"/>.</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="fileName">The name used in error messages.</param>
    /// <exception cref="DockerfileException">The text is not a valid Dockerfile.</exception>
    public static DockerfileSyntax Parse(string text, string fileName = "Dockerfile")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        return new Run(text, fileName).Parse();
    }

    /// <summary>Reads and parses the Dockerfile at <paramref name="path"/>; errors name the path.</summary>
    /// <exception cref="DockerfileException">The file is not a valid Dockerfile.</exception>
    public static async Task<DockerfileSyntax> ParseFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = await File.ReadAllTextAsync(path, cancellationToken);
        return Parse(text, path);
    }

    private static Regex ContinuationRegex(char escapeToken)
    {
        // The escape token is a continuation when it is the last non-blank character, unless it is
        // itself escaped; the second branch is a token alone on its line.
        var e = Regex.Escape(escapeToken.ToString());
        return new Regex($@"([^{e}]){e}[ \t]*\z|^{e}[ \t]*\z", RegexOptions.CultureInvariant);
    }

    private static string TrimNewline(string line) => line.TrimEnd('\r', '\n');

    private static bool IsComment(string rawLine) => TrimNewline(rawLine).TrimStart().StartsWith('#');

    /// <summary>The state of one parse.</summary>
    private sealed class Run
    {
        private readonly string _fileName;
        private readonly List<string> _lines;
        private readonly Dictionary<string, string> _directives = new(StringComparer.Ordinal);
        private bool _directivesDone;
        private char _escapeToken = '\\';
        private Regex _continuation = BackslashContinuation;

        public Run(string text, string fileName)
        {
            _fileName = fileName;
            _lines = SplitLines(text);
        }

        public DockerfileSyntax Parse()
        {
            var instructions = new List<Instruction>();
            var current = 0;
            while (current < _lines.Count)
            {
                var raw = _lines[current];
                if (current == 0 && raw.StartsWith('\uFEFF'))
                {
                    raw = raw[1..];
                }

                var processed = ProcessLine(raw, stripLeftWhitespace: true, current + 1);
                current++;
                var startLine = current;
                var (line, isEndOfLine) = TrimContinuation(processed);
                if (isEndOfLine && line.Length == 0)
                {
                    continue;
                }

                var logical = new StringBuilder(line);
                while (!isEndOfLine && current < _lines.Count)
                {
                    var continuationRaw = _lines[current];
                    var continuation = ProcessLine(continuationRaw, stripLeftWhitespace: false, current + 1);
                    current++;

                    // Comment lines and blank lines inside a continuation are skipped, not joined.
                    if (IsComment(continuationRaw) || continuation.TrimStart().Length == 0)
                    {
                        continue;
                    }

                    (line, isEndOfLine) = TrimContinuation(continuation);
                    logical.Append(line);
                }

                var instruction = NewInstruction(logical.ToString(), startLine, topLevel: true);
                if (CanContainHeredoc(instruction))
                {
                    var heredocs = ReadHeredocs(instruction.Original, startLine, ref current);
                    instruction.Heredocs = heredocs;
                    if (instruction.OnBuild is not null)
                    {
                        instruction.OnBuild.Heredocs = heredocs;
                    }
                }

                instruction.StartLine = startLine;
                instruction.EndLine = current;
                if (instruction.OnBuild is not null)
                {
                    instruction.OnBuild.StartLine = startLine;
                    instruction.OnBuild.EndLine = current;
                }

                instructions.Add(instruction);
            }

            if (instructions.Count == 0)
            {
                throw Error(Math.Max(1, _lines.Count), "file with no instructions");
            }

            return new DockerfileSyntax(_fileName, instructions, _directives, _escapeToken);
        }

        private DockerfileException Error(int line, string problem, Exception? inner = null)
            => new(_fileName, line, problem, inner);

        private static List<string> SplitLines(string text)
        {
            // Lines keep their terminator: heredoc bodies are taken verbatim.
            var lines = new List<string>();
            var start = 0;
            while (start < text.Length)
            {
                var newline = text.IndexOf('\n', start);
                var end = newline < 0 ? text.Length : newline + 1;
                lines.Add(text[start..end]);
                start = end;
            }

            return lines;
        }

        private string ProcessLine(string raw, bool stripLeftWhitespace, int lineNumber)
        {
            var token = TrimNewline(raw);
            if (stripLeftWhitespace)
            {
                token = token.TrimStart();
            }

            PossibleParserDirective(token, lineNumber);
            return token.StartsWith('#') ? string.Empty : token;
        }

        private void PossibleParserDirective(string line, int lineNumber)
        {
            // Directives are only recognised until the first line that is not one: an
            // instruction, a blank line or an ordinary comment ends them.
            if (_directivesDone)
            {
                return;
            }

            if (!line.StartsWith('#'))
            {
                _directivesDone = true;
                return;
            }

            var match = Directive().Match(line[1..].TrimStart());
            if (!match.Success)
            {
                _directivesDone = true;
                return;
            }

            var key = match.Groups[1].Value.ToLowerInvariant();
            if (!ValidDirectives.Contains(key))
            {
                _directivesDone = true;
                return;
            }

            if (!_directives.TryAdd(key, match.Groups[2].Value))
            {
                throw Error(lineNumber, $"only one {key} parser directive can be used");
            }

            if (key == "escape")
            {
                var value = match.Groups[2].Value;
                switch (value)
                {
                    case "\\":
                        _escapeToken = '\\';
                        _continuation = BackslashContinuation;
                        break;
                    case "`":
                        _escapeToken = '`';
                        _continuation = BacktickContinuation;
                        break;
                    default:
                        throw Error(lineNumber, $"invalid escape token '{value}' does not match ` or \\");
                }
            }
        }

        private (string Line, bool IsEndOfLine) TrimContinuation(string line)
        {
            var match = _continuation.Match(line);
            if (!match.Success)
            {
                return (line, true);
            }

            return (string.Concat(line.AsSpan(0, match.Index), match.Groups[1].Value), false);
        }

        private Instruction NewInstruction(string line, int lineNumber, bool topLevel)
        {
            var (keyword, flags, rest) = LineParsers.SplitCommand(line);
            if (!KnownKeywords.Contains(keyword))
            {
                var shown = keyword.Length == 0 ? line.Trim() : keyword.ToUpperInvariant();
                throw Error(lineNumber, $"unknown instruction: {shown}");
            }

            try
            {
                if (keyword == "onbuild")
                {
                    Instruction? trigger = null;
                    if (rest.Length > 0)
                    {
                        trigger = NewInstruction(rest, lineNumber, topLevel: false);
                    }

                    return new Instruction(keyword, flags, [], false, trigger, line);
                }

                if (!topLevel && keyword is "from" or "maintainer")
                {
                    throw Error(lineNumber, $"{keyword.ToUpperInvariant()} isn't allowed as an ONBUILD trigger");
                }

                var shaped = keyword switch
                {
                    "add" or "copy" or "volume" => LineParsers.ParseMaybeJsonToList(rest),
                    "arg" => new LineParsers.Shaped(LineParsers.ParseWords(rest, _escapeToken), false),
                    "cmd" or "entrypoint" or "run" or "shell" => LineParsers.ParseMaybeJson(rest),
                    "env" or "label" => LineParsers.ParseNameVal(rest, keyword.ToUpperInvariant(), _escapeToken),
                    "expose" or "from" => LineParsers.ParseStringsWhitespaceDelimited(rest),
                    "healthcheck" => LineParsers.ParseHealthConfig(rest),
                    _ => LineParsers.ParseString(rest),
                };
                return new Instruction(keyword, flags, shaped.Arguments, shaped.IsJson, null, line);
            }
            catch (FormatException ex)
            {
                throw Error(lineNumber, ex.Message, ex);
            }
        }

        private static bool CanContainHeredoc(Instruction instruction)
        {
            var target = instruction.OnBuild ?? instruction;
            return HeredocKeywords.Contains(target.Keyword) && !target.IsJsonForm;
        }

        private List<Heredoc> ReadHeredocs(string line, int startLine, ref int current)
        {
            var heredocs = new List<Heredoc>();
            if (!line.Contains("<<", StringComparison.Ordinal))
            {
                return heredocs;
            }

            foreach (var (name, expand, stripTabs, fileDescriptor) in HeredocsFromLine(line, startLine))
            {
                var content = new StringBuilder();
                var terminated = false;
                while (current < _lines.Count)
                {
                    var raw = _lines[current];
                    current++;
                    var candidate = TrimNewline(raw);
                    if (stripTabs)
                    {
                        candidate = candidate.TrimStart('\t');
                    }

                    if (candidate == name)
                    {
                        terminated = true;
                        break;
                    }

                    content.Append(raw);
                }

                if (!terminated)
                {
                    throw Error(startLine, $"unterminated heredoc {name}");
                }

                var body = stripTabs ? StripLeadingTabs(content.ToString()) : content.ToString();
                heredocs.Add(new Heredoc(name, body, expand, stripTabs) { FileDescriptor = fileDescriptor });
            }

            return heredocs;
        }

        private List<(string Name, bool Expand, bool StripTabs, int FileDescriptor)> HeredocsFromLine(string line, int lineNumber)
        {
            // As BuildKit: split the whole line into shell words keeping quotes and escapes, and
            // treat every word shaped [n]<<[-]WORD as a heredoc. A line that does not lex has none.
            IReadOnlyList<string> words;
            try
            {
                words = new ShellLexer('\\') { RawQuotes = true, RawEscapes = true, SkipUnsetEnv = true }
                    .ProcessWords(line, EmptyEnv);
            }
            catch (FormatException)
            {
                words = [];
            }

            var result = new List<(string, bool, bool, int)>();
            foreach (var word in words)
            {
                var match = HeredocWord().Match(word);
                if (!match.Success || match.Groups[3].Length == 0)
                {
                    continue;
                }

                var rest = match.Groups[3].Value;
                try
                {
                    var unquoted = new ShellLexer('\\') { SkipUnsetEnv = true }.ProcessWords(rest, EmptyEnv);
                    if (unquoted.Count != 1)
                    {
                        continue;
                    }

                    var raw = new ShellLexer('\\') { SkipUnsetEnv = true, RawQuotes = true }.ProcessWords(rest, EmptyEnv);
                    if (raw.Count != 1)
                    {
                        throw Error(lineNumber, $"internal lexing of heredoc produced inconsistent results: {rest}");
                    }

                    // Any quoting in the delimiter word disables expansion of the body, as in sh.
                    var expand = CountQuotes(unquoted[0]) == CountQuotes(raw[0]);
                    _ = int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var fd);
                    result.Add((unquoted[0], expand, match.Groups[2].Value == "-", fd));
                }
                catch (FormatException ex)
                {
                    throw Error(lineNumber, ex.Message, ex);
                }
            }

            return result;
        }

        private static int CountQuotes(string word) => word.Count(c => c is '\'' or '"');

        private static string StripLeadingTabs(string content)
        {
            var text = new StringBuilder(content.Length);
            var atLineStart = true;
            foreach (var ch in content)
            {
                if (atLineStart && ch == '\t')
                {
                    continue;
                }

                atLineStart = ch == '\n';
                text.Append(ch);
            }

            return text.ToString();
        }
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyEnv = new Dictionary<string, string>();
}
