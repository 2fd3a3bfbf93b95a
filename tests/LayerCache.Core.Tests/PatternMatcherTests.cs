using LayerCache.Core.Context;

namespace LayerCache.Core.Tests;

/// <summary>
/// The .dockerignore matcher against moby/patternmatcher's own test cases (patternmatcher_test.go at
/// 5a6d8429a19bb6948a372ff19e86fe83599a04b7: TestMatches, TestMatch, TestCompile and the
/// Test*Exclusion* cases), so that it decides as docker decides.
/// </summary>
public sealed class PatternMatcherTests
{
    // TestMatches: (pattern, text, pass), checked with MatchesOrParentMatches.
    public static TheoryData<string, string, bool> Matches => new()
    {
        { "**", "file", true },
        { "**", "file/", true },
        { "**/", "file", true },
        { "**/", "file/", true },
        { "**", "/", true },
        { "**/", "/", true },
        { "**", "dir/file", true },
        { "**/", "dir/file", true },
        { "**", "dir/file/", true },
        { "**/", "dir/file/", true },
        { "**/**", "dir/file", true },
        { "**/**", "dir/file/", true },
        { "dir/**", "dir/file", true },
        { "dir/**", "dir/file/", true },
        { "dir/**", "dir/dir2/file", true },
        { "dir/**", "dir/dir2/file/", true },
        { "**/dir", "dir", true },
        { "**/dir", "dir/file", true },
        { "**/dir2/*", "dir/dir2/file", true },
        { "**/dir2/*", "dir/dir2/file/", true },
        { "**/dir2/**", "dir/dir2/dir3/file", true },
        { "**/dir2/**", "dir/dir2/dir3/file/", true },
        { "**file", "file", true },
        { "**file", "dir/file", true },
        { "**/file", "dir/file", true },
        { "**file", "dir/dir/file", true },
        { "**/file", "dir/dir/file", true },
        { "**/file*", "dir/dir/file", true },
        { "**/file*", "dir/dir/file.txt", true },
        { "**/file*txt", "dir/dir/file.txt", true },
        { "**/file*.txt", "dir/dir/file.txt", true },
        { "**/file*.txt*", "dir/dir/file.txt", true },
        { "**/**/*.txt", "dir/dir/file.txt", true },
        { "**/**/*.txt2", "dir/dir/file.txt", false },
        { "**/*.txt", "file.txt", true },
        { "**/**/*.txt", "file.txt", true },
        { "a**/*.txt", "a/file.txt", true },
        { "a**/*.txt", "a/dir/file.txt", true },
        { "a**/*.txt", "a/dir/dir/file.txt", true },
        { "a/*.txt", "a/dir/file.txt", false },
        { "a/*.txt", "a/file.txt", true },
        { "a/*.txt**", "a/file.txt", true },
        { "a[b-d]e", "ae", false },
        { "a[b-d]e", "ace", true },
        { "a[b-d]e", "aae", false },
        { "a[^b-d]e", "aze", true },
        { ".*", ".foo", true },
        { ".*", "foo", false },
        { "abc.def", "abcdef", false },
        { "abc.def", "abc.def", true },
        { "abc.def", "abcZdef", false },
        { "abc?def", "abcZdef", true },
        { "abc?def", "abcdef", false },
        { "a\\\\", "a\\", true },
        { "**/foo/bar", "foo/bar", true },
        { "**/foo/bar", "dir/foo/bar", true },
        { "**/foo/bar", "dir/dir2/foo/bar", true },
        { "abc/**", "abc", false },
        { "abc/**", "abc/def", true },
        { "abc/**", "abc/def/ghi", true },
        { "**/.foo", ".foo", true },
        { "**/.foo", "bar.foo", false },
        { "a(b)c/def", "a(b)c/def", true },
        { "a(b)c/def", "a(b)c/xyz", false },
        { "a.|)$(}+{bc", "a.|)$(}+{bc", true },
        { "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true },
        { "dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true },
        { "a\\*b", "a*b", true },

        // TestMatch (go's filepath.Match table) cases whose pattern is well formed.
        { "abc", "abc", true },
        { "*", "abc", true },
        { "*c", "abc", true },
        { "a*", "a", true },
        { "a*", "abc", true },
        { "a*", "ab/c", true },
        { "a*/b", "abc/b", true },
        { "a*/b", "a/c/b", false },
        { "a*b*c*d*e*/f", "axbxcxdxe/f", true },
        { "a*b*c*d*e*/f", "axbxcxdxexxx/f", true },
        { "a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false },
        { "a*b*c*d*e*/f", "axbxcxdxexxx/fff", false },
        { "a*b?c*x", "abxbbxdbxebxczzx", true },
        { "a*b?c*x", "abxbbxdbxebxczzy", false },
        { "ab[c]", "abc", true },
        { "ab[b-d]", "abc", true },
        { "ab[e-g]", "abc", false },
        { "ab[^c]", "abc", false },
        { "ab[^b-d]", "abc", false },
        { "ab[^e-g]", "abc", true },
        { "a\\*b", "ab", false },
        { "a?b", "a☺b", true },
        { "a[^a]b", "a☺b", true },
        { "a???b", "a☺b", false },
        { "a[^a][^a][^a]b", "a☺b", false },
        { "[a-ζ]*", "α", true },
        { "*[a-ζ]", "A", false },
        { "a?b", "a/b", false },
        { "a*b", "a/b", false },
        { "[\\]a]", "]", true },
        { "[\\-]", "-", true },
        { "[x\\-]", "x", true },
        { "[x\\-]", "-", true },
        { "[x\\-]", "z", false },
        { "[\\-x]", "x", true },
        { "[\\-x]", "-", true },
        { "[\\-x]", "a", false },
        { "*x", "xxx", true },
    };

    [Theory]
    [MemberData(nameof(Matches))]
    public void Matches_as_patternmatcher_does(string pattern, string text, bool pass) =>
        Assert.Equal(pass, PatternMatcher.Create([pattern]).MatchesOrParentMatches(text));

    // TestMatches' multiPatternTests.
    public static TheoryData<string[], string, bool> MultiPattern => new()
    {
        { ["**", "!util/docker/web"], "util/docker/web/foo", false },
        { ["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true },
        { ["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false },
        { ["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false },

        // TestWildcardMatches, TestPatternMatches, TestExclusionPattern*, TestPatternMatchesFolder*.
        { ["*"], "fileutils.go", true },
        { ["*.go"], "fileutils.go", true },
        { ["!fileutils.go", "*.go"], "fileutils.go", true },
        { ["docs", "!docs/README.md"], "docs/README.md", false },
        { ["docs/", "!docs/README.md"], "docs/README.md", false },
        { ["docs/*", "!docs/README.md"], "docs/README.md", false },
        { ["*.go", "!fileutils.go"], "fileutils.go", false },
        { [], "/any/path/there", false },
    };

    [Theory]
    [MemberData(nameof(MultiPattern))]
    public void Later_patterns_and_exceptions_decide_as_in_patternmatcher(string[] patterns, string text, bool pass) =>
        Assert.Equal(pass, PatternMatcher.Create(patterns).MatchesOrParentMatches(text));

    // TestMatch's ErrBadPattern rows, TestSingleExclamationError, TestMatchesWithMalformedPatterns.
    [Theory]
    [InlineData("[]a]")]
    [InlineData("[-]")]
    [InlineData("[x-]")]
    [InlineData("[-x]")]
    [InlineData("\\")]
    [InlineData("[a-b-c]")]
    [InlineData("[")]
    [InlineData("[^")]
    [InlineData("[^bc")]
    [InlineData("a[")]
    [InlineData("!")]
    public void Malformed_patterns_are_refused_as_patternmatcher_refuses_them(string pattern) =>
        Assert.Throws<FormatException>(() => PatternMatcher.Create([pattern]));

    // TestCleanPatterns*: blank patterns skipped, spaces trimmed around exceptions.
    [Fact]
    public void Blank_patterns_are_skipped_and_spaces_around_exceptions_trimmed()
    {
        Assert.False(PatternMatcher.Create(["docs", "config", ""]).HasExclusions);
        Assert.True(PatternMatcher.Create(["docs", "  !docs/README.md"]).HasExclusions);
        Assert.True(PatternMatcher.Create(["docs", "!docs/README.md  "]).HasExclusions);
        Assert.Equal(["docs/README.md"], PatternMatcher.Create(["docs", "  !docs/README.md  "]).ExclusionPatterns);
    }

    // TestCompile (slash): the match type, and the regexp for regexp patterns ($ is written \z here).
    [Theory]
    [InlineData("*", "^[^/]*$")]
    [InlineData("file*", "^file[^/]*$")]
    [InlineData("*file", "^[^/]*file$")]
    [InlineData("a*/b", "^a[^/]*/b$")]
    [InlineData("**", null)]
    [InlineData("**/**", "^(.*/)?.*$")]
    [InlineData("dir/**", null)]
    [InlineData("**/dir", null)]
    [InlineData("**/dir2/*", "^(.*/)?dir2/[^/]*$")]
    [InlineData("**/dir2/**", "^(.*/)?dir2/.*$")]
    [InlineData("**file", null)]
    [InlineData("**/file*txt", "^(.*/)?file[^/]*txt$")]
    [InlineData("**/**/*.txt", "^(.*/)?(.*/)?[^/]*\\.txt$")]
    [InlineData("a[b-d]e", "^a[b-d]e$")]
    [InlineData(".*", "^\\.[^/]*$")]
    [InlineData("abc.def", null)]
    [InlineData("abc?def", "^abc[^/]def$")]
    [InlineData("**/foo/bar", null)]
    [InlineData("a(b)c/def", null)]
    [InlineData("a.|)$(}+{bc", null)]
    public void Patterns_compile_to_patternmatchers_expressions(string pattern, string? expression) =>
        Assert.Equal(expression, new IgnorePattern(pattern, exclusion: false).Expression?.Replace("\\z", "$", StringComparison.Ordinal));

    [Theory]
    [InlineData("", ".")]
    [InlineData("a/b/../c", "a/c")]
    [InlineData("../a", "../a")]
    [InlineData("a/../..", "..")]
    [InlineData("/../a", "/a")]
    [InlineData("./a//b/", "a/b")]
    [InlineData("/", "/")]
    [InlineData("a/b/..", "a")]
    public void Paths_are_cleaned_as_go_cleans_them(string path, string cleaned) => Assert.Equal(cleaned, GoPath.Clean(path));
}
