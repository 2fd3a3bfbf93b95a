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
    [InlineData("registry:ghcr.io/acme/cache", "expected registry://HOST[:PORT]/REPOSITORY")]
    [InlineData("registry://ghcr.io", "expected registry://HOST[:PORT]/REPOSITORY")]
    [InlineData("registry://user:secret@ghcr.io/acme/cache", "credentials do not belong")]
    [InlineData("registry://ghcr.io/acme/cache:v1", "not a tag or digest")]
    [InlineData("registry://ghcr.io/Acme/cache", "not a repository name")]
    [InlineData("registry://ghcr.io:0/acme/cache", "not a port")]
    [InlineData("registry://ghcr.io:99999/acme/cache", "not a port")]
    [InlineData("registry://gh_cr.io/acme/cache", "not a host name")]
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

    [Theory]
    [InlineData("registry://ghcr.io/acme/cache", "ghcr.io", null, "acme/cache")]
    [InlineData("registry://localhost:5000/ci/app-cache", "localhost", 5000, "ci/app-cache")]
    [InlineData("registry://Registry.Example.COM/a", "registry.example.com", null, "a")]
    [InlineData("registry://[::1]:5000/a/b__c", "[::1]", 5000, "a/b__c")]
    public void Registry_repositories_parse_once_into_their_parts(string value, string host, int? port, string repository)
    {
        var location = StoreLocation.Parse(value);

        Assert.Equal(StoreKind.Registry, location.Kind);
        Assert.Equal(new RegistryStoreAddress(host, port, repository), location.Registry);
        Assert.Equal(value.Replace("Registry.Example.COM", "registry.example.com", StringComparison.Ordinal), location.ToString());
        Assert.Throws<InvalidOperationException>(() => location.Directory);
    }

    [Fact]
    public void A_registry_store_with_a_missing_CA_file_is_refused_before_any_work()
    {
        var location = new StoreLocation(StoreLocation.Parse("registry://localhost:5000/cache").Registry! with { CaFile = "/nonexistent/ca.pem" });

        var early = Assert.Throws<InvalidInputException>(() => CacheStoreFactory.RequireAvailable(location));

        Assert.Contains("/nonexistent/ca.pem", early.Message, StringComparison.Ordinal);
        Assert.Equal(StoreKind.Registry, CacheStoreFactory.RequireAvailable(StoreLocation.Parse("registry://localhost:5000/cache")).Kind);
    }

    [Fact]
    public async Task A_registry_store_nobody_answers_is_a_classified_store_failure_so_builds_fail_open()
    {
        // Port 1 on loopback: connection refused, after the client's bounded retries.
        var location = StoreLocation.Parse("registry://127.0.0.1:1/cache");

        var e = await Assert.ThrowsAnyAsync<Exception>(() => CacheStoreFactory.OpenAsync(location, create: true, _ => null, CancellationToken.None));

        Assert.Equal(LayerCache.Store.StoreErrorKind.Transient, LayerCache.Store.StoreErrors.Classify(e));
        Assert.True(CacheStoreFactory.MayExist(location));
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
