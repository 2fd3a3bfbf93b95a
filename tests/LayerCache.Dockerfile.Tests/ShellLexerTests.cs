namespace LayerCache.Dockerfile.Tests;

public class ShellLexerTests
{
    private static readonly Dictionary<string, string> Env = new() { ["FILE"] = "archive.tar.gz", ["EMPTY"] = "", ["WORDS"] = "a  b" };

    [Theory]
    [InlineData("${FILE%.*}", "archive.tar")]
    [InlineData("${FILE%%.*}", "archive")]
    [InlineData("${FILE#*.}", "tar.gz")]
    [InlineData("${FILE##*.}", "gz")]
    [InlineData("${FILE//a/A}", "Archive.tAr.gz")]
    [InlineData("${EMPTY:-x}${EMPTY-y}", "x")]
    [InlineData("$1$@-", "-")]
    [InlineData("a\\ b", "a b")]
    [InlineData("\"a\\\"b\\c\"", "a\"b\\c")]
    public void Expands_words(string word, string expected)
    {
        Assert.Equal(expected, new ShellLexer('\\').ProcessWord(word, Env));
    }

    [Fact]
    public void Splits_words_after_expansion_but_not_inside_quotes()
    {
        var words = new ShellLexer('\\').ProcessWords("x $WORDS \"$WORDS\" ''", Env);

        Assert.Equal(["x", "a", "b", "a  b"], words);
    }

    [Fact]
    public void Backtick_escape_token()
    {
        Assert.Equal("C:\\dir $FILE", new ShellLexer('`').ProcessWord("C:\\dir `$FILE", Env));
    }

    [Fact]
    public void Raw_modes_and_unset_variables_are_kept_for_heredoc_detection()
    {
        var lexer = new ShellLexer('\\') { RawQuotes = true, RawEscapes = true, SkipUnsetEnv = true };

        Assert.Equal(["<<\"EOF\"", "$UNSET", "${UNSET:-d}", "a\\ b"], lexer.ProcessWords("<<\"EOF\" $UNSET ${UNSET:-d} a\\ b", Env));
    }

    [Theory]
    [InlineData("${", "syntax error: missing '}'")]
    [InlineData("${}", "syntax error: bad substitution")]
    [InlineData("'open", "unexpected end of statement while looking for matching single-quote")]
    [InlineData("${FILE:x}", "unsupported modifier (:x) in substitution")]
    public void Reports_syntax_errors(string word, string problem)
    {
        var error = Assert.Throws<FormatException>(() => new ShellLexer('\\').ProcessWord(word, Env));

        Assert.EndsWith(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Suffix_trimming_keeps_surrogate_pairs_whole()
    {
        var env = new Dictionary<string, string> { ["V"] = "a\U0001F600b\U0001F600" };

        Assert.Equal("a", new ShellLexer('\\').ProcessWord("${V%%\U0001F600*}", env));
        Assert.Equal("a\U0001F600b", new ShellLexer('\\').ProcessWord("${V%\U0001F600}", env));
    }
}
