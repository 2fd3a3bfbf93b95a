namespace LayerCache.Store.Tests;

public sealed class RetentionPolicyTests
{
    [Theory]
    [InlineData("10GB", 10_000_000_000L)]
    [InlineData("500MB", 500_000_000L)]
    [InlineData("500mb", 500_000_000L)]
    [InlineData("1.5GiB", 1_610_612_736L)]
    [InlineData("2KiB", 2048L)]
    [InlineData("1048576", 1_048_576L)]
    [InlineData("7B", 7L)]
    [InlineData(" 3 G ", 3_000_000_000L)]
    [InlineData("1TiB", 1_099_511_627_776L)]
    public void ParseSize_accepts_decimal_and_binary_units(string text, long expected) =>
        Assert.Equal(expected, RetentionPolicy.ParseSize(text));

    [Theory]
    [InlineData("")]
    [InlineData("GB")]
    [InlineData("10XB")]
    [InlineData("-1GB")]
    [InlineData("1,5GB")]
    [InlineData("ten")]
    public void ParseSize_rejects_garbage_with_a_message_quoting_it(string text)
    {
        var e = Assert.Throws<FormatException>(() => RetentionPolicy.ParseSize(text));
        Assert.Contains($"\"{text}\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("10GB", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7d", 7 * 24.0)]
    [InlineData("12h", 12.0)]
    [InlineData("30m", 0.5)]
    [InlineData("2w", 14 * 24.0)]
    [InlineData("1.5d", 36.0)]
    public void ParseDuration_accepts_units(string text, double hours) =>
        Assert.Equal(TimeSpan.FromHours(hours), RetentionPolicy.ParseDuration(text));

    [Theory]
    [InlineData("7")]
    [InlineData("d")]
    [InlineData("0d")]
    [InlineData("7y")]
    public void ParseDuration_rejects_garbage(string text) =>
        Assert.Throws<FormatException>(() => RetentionPolicy.ParseDuration(text));

    [Fact]
    public void WithKeep_combines_current_duration_and_size()
    {
        var policy = RetentionPolicy.KeepAll.WithKeep("current").WithKeep("7d").WithMaxSize("1GB");
        Assert.True(policy.KeepCurrent);
        Assert.Equal(TimeSpan.FromDays(7), policy.KeepFor);
        Assert.Equal(1_000_000_000L, policy.MaxSize);
        Assert.True(policy.HasRules);
        Assert.False(RetentionPolicy.KeepAll.HasRules);
    }

    [Fact]
    public void WithKeep_rejects_other_words_naming_the_option()
    {
        var e = Assert.Throws<FormatException>(() => RetentionPolicy.KeepAll.WithKeep("latest"));
        Assert.Equal("invalid --keep value \"latest\": expected \"current\" or a duration such as 7d, 12h, 30m, 2w", e.Message);
    }
}
