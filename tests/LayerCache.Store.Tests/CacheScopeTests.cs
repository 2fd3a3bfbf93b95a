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
    [InlineData("refs/heads/main")]
    [InlineData("myproject/main")]
    [InlineData("feature/login-page")]
    [InlineData("release-1.2")]
    public void Normalize_keeps_well_formed_names_as_they_are(string text) =>
        Assert.Equal(text, CacheScope.Normalize(text).Value);

    [Theory]
    [InlineData("MyProject/Feature/Login_Page", "myproject/feature/login-page")]
    [InlineData("--weird__name--", "weird-name")]
    [InlineData("PR #42", "pr-42")]
    [InlineData("a--b", "a-b")]
    public void Normalize_escapes_other_text_as_a_readable_form_and_a_hash_of_the_text(string text, string readable)
    {
        var value = CacheScope.Normalize(text).Value;

        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(readable)}--[0-9a-f]{{{CacheScope.EscapeHashLength}}}$", value);
    }

    [Fact]
    public void Normalize_is_injective_on_names_that_used_to_collide()
    {
        string[] names = ["main", "MAIN", "Main", "main-", "main_", "main.", "main--", "-main", "main/", "ma_in", "ma-in", "MA-IN"];

        var scopes = names.Select(CacheScope.Normalize).ToList();

        Assert.Equal(names.Length, scopes.Distinct().Count());
    }

    [Fact]
    public void An_escaped_name_cannot_be_spelled_by_a_kept_one()
    {
        var escaped = CacheScope.Normalize("MAIN").Value;

        // A branch literally named like the escape is itself escaped (it contains "--").
        Assert.NotEqual(escaped, CacheScope.Normalize(escaped).Value);
    }

    [Fact]
    public void Normalize_bounds_long_names_and_keeps_them_apart()
    {
        var a = CacheScope.Normalize(new string('a', 300) + "1");
        var b = CacheScope.Normalize(new string('a', 300) + "2");

        Assert.True(a.Value.Length <= CacheScope.MaxLength);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Normalize_rejects_text_without_letters_or_digits() =>
        Assert.Throws<FormatException>(() => CacheScope.Normalize("__/--"));
}
