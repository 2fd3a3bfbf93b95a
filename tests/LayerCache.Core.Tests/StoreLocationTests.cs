namespace LayerCache.Core.Tests;

/// <summary>--cache and LAYERCACHE_CACHE: wrong words fail loudly, the default is the user's cache directory.</summary>
public sealed class StoreLocationTests
{
    [Theory]
    [InlineData("dir:/var/cache/lc", "/var/cache/lc")]
    [InlineData("dir:cache", "cache")]
    [InlineData("dir:registry:x", "registry:x")]
    [InlineData("./cache", "./cache")]
    [InlineData(".layercache", ".layercache")]
    [InlineData("../cache", "../cache")]
    [InlineData("/var/cache/lc", "/var/cache/lc")]
    [InlineData("ci/cache", "ci/cache")]
    [InlineData("./registry:ghcr.io/acme/cache", "./registry:ghcr.io/acme/cache")]
    public void Directories_are_accepted(string value, string directory) => Assert.Equal(directory, StoreLocation.Parse(value).Directory);

    [Theory]
    [InlineData("registry:ghcr.io/acme/cache", "not available yet")]
    [InlineData("registry://ghcr.io/acme/cache", "not available yet")]
    [InlineData("gha", "not a store")]
    [InlineData("gha:", "unknown store kind \"gha:\"")]
    [InlineData("s3://bucket/cache", "unknown store kind \"s3:\"")]
    [InlineData("oci:cache", "unknown store kind \"oci:\"")]
    [InlineData("type=local,dest=/tmp/cache", "buildx")]
    [InlineData("type=gha", "buildx")]
    [InlineData("dir:", "directory is missing")]
    [InlineData("", "expected dir:PATH")]
    public void Wrong_words_fail_naming_what_is_supported(string value, string why)
    {
        var e = Assert.Throws<InvalidInputException>(() => StoreLocation.Parse(value));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.Contains($"--cache \"{value}\"", e.Message, StringComparison.Ordinal);
        if (value.Length > 0 && value != "dir:")
        {
            Assert.Contains("dir:PATH", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_bare_word_is_a_directory_only_when_one_exists()
    {
        var directory = Directory.CreateTempSubdirectory("layercache-bare-");
        var previous = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = directory.Parent!.FullName;
            Assert.Equal(directory.Name, StoreLocation.Parse(directory.Name).Directory);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            directory.Delete();
        }
    }

    [Fact]
    public void The_default_is_the_xdg_cache_directory_else_home_dot_cache()
    {
        Assert.Equal("/x/cache/layercache", StoreLocation.Resolve(null, Env(("XDG_CACHE_HOME", "/x/cache"), ("HOME", "/home/u"))).Directory);
        Assert.Equal("/home/u/.cache/layercache", StoreLocation.Resolve(null, Env(("HOME", "/home/u"))).Directory);

        // The XDG spec: a relative XDG_CACHE_HOME is ignored.
        Assert.Equal("/home/u/.cache/layercache", StoreLocation.Resolve(null, Env(("XDG_CACHE_HOME", "rel"), ("HOME", "/home/u"))).Directory);
    }

    [Fact]
    public void The_option_wins_over_the_environment_which_wins_over_the_default()
    {
        var env = Env(("LAYERCACHE_CACHE", "dir:/from/env"), ("HOME", "/home/u"));
        Assert.Equal("/from/env", StoreLocation.Resolve(null, env).Directory);
        Assert.Equal("/from/option", StoreLocation.Resolve("dir:/from/option", env).Directory);
        var e = Assert.Throws<InvalidInputException>(() => StoreLocation.Resolve(null, Env(("LAYERCACHE_CACHE", "gha"))));
        Assert.Contains("LAYERCACHE_CACHE \"gha\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_leading_tilde_is_the_home_directory() =>
        Assert.Equal("/home/u/.cache/x", StoreLocation.Resolve("dir:~/.cache/x", Env(("HOME", "/home/u"))).Directory);

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;
}
