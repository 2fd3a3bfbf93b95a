namespace LayerCache.Store.Tests;

public sealed class CacheScopeTests
{
    [Theory]
    [InlineData("myproject/main", "myproject_main")]
    [InlineData("myproject/pr-42", "myproject_pr-42")]
    [InlineData("a.b/c--d", "a.b_c--d")]
    [InlineData("x", "x")]
    public void Valid_scopes_map_to_ref_names(string scope, string refName) =>
        Assert.Equal(refName, CacheScope.Parse(scope).RefName);

    [Theory]
    [InlineData("")]
    [InlineData("Main")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a_b")]
    [InlineData("a..b")]
    [InlineData("a---b")]
    [InlineData("a b")]
    public void Invalid_scopes_are_rejected_with_the_input_in_the_message(string scope)
    {
        var e = Assert.Throws<FormatException>(() => CacheScope.Parse(scope));
        Assert.Contains($"\"{scope}\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_long_scope_is_rejected() =>
        Assert.False(CacheScope.TryParse(new string('a', CacheScope.MaxLength + 1), out _));

    [Theory]
    [InlineData("MyProject/Feature/Login_Page", "myproject/feature/login-page")]
    [InlineData("refs/heads/main", "refs/heads/main")]
    [InlineData("--weird__name--", "weird-name")]
    [InlineData("PR #42", "pr-42")]
    public void Normalize_makes_free_text_valid(string text, string expected) =>
        Assert.Equal(expected, CacheScope.Normalize(text).Value);

    [Fact]
    public void Normalize_rejects_text_without_letters_or_digits() =>
        Assert.Throws<FormatException>(() => CacheScope.Normalize("__/--"));
}
