using LayerCache.Core.Context;

namespace LayerCache.Core.Tests;

/// <summary>A store inside the build context is refused unless the .dockerignore the build uses excludes it.</summary>
public sealed class BuildContextTests : IDisposable
{
    private readonly string _context = Directory.CreateTempSubdirectory("layercache-context-").FullName;

    public BuildContextTests() => File.WriteAllText(Path.Combine(_context, "Dockerfile"), "FROM busybox\nCOPY . .\n");

    public void Dispose() => Directory.Delete(_context, recursive: true);

    private string Dockerfile => Path.Combine(_context, "Dockerfile");

    [Theory]
    [InlineData(new[] { ".layercache" }, ".layercache", false)]
    [InlineData(new[] { "/.layercache/" }, ".layercache", false)]
    [InlineData(new[] { ".*" }, ".layercache", false)]
    [InlineData(new[] { "**" }, "ci/.layercache", false)]
    [InlineData(new[] { "ci" }, "ci/.layercache", false)]
    [InlineData(new[] { "*.md" }, ".layercache", true)]
    [InlineData(new[] { ".layercache", "!.layercache" }, ".layercache", true)]
    [InlineData(new[] { ".layercache", "!.layercache/SUMMARY" }, ".layercache", true)]
    [InlineData(new[] { "ci", "!ci/.layercache/index.json" }, "ci/.layercache", true)]
    [InlineData(new[] { "ci", "!ci/README.md" }, "ci/.layercache", false)]
    [InlineData(new[] { "**", "!src" }, ".layercache", false)]
    public void A_directory_is_sent_unless_excluded_with_no_exception_inside_it(string[] patterns, string directory, bool sent) =>
        Assert.Equal(sent, BuildContext.Sends(PatternMatcher.Create(DockerIgnoreFile.Parse(string.Join('\n', patterns))), directory));

    [Fact]
    public async Task A_store_outside_the_context_is_accepted() =>
        await BuildContext.EnsureStoreNotSentAsync(new StoreLocation(_context + "-store"), _context, Dockerfile, buildKit: false, CancellationToken.None);

    [Fact]
    public async Task A_store_inside_the_context_is_refused_naming_the_fix()
    {
        var store = new StoreLocation(Path.Combine(_context, ".layercache"));
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => BuildContext.EnsureStoreNotSentAsync(store, _context, Dockerfile, buildKit: false, CancellationToken.None));
        Assert.Contains("inside the build context", e.Message, StringComparison.Ordinal);
        Assert.Contains("add /.layercache to " + Path.Combine(_context, ".dockerignore"), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_relative_store_inside_a_relative_context_is_refused_even_before_it_exists()
    {
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _context;
        try
        {
            await Assert.ThrowsAsync<InvalidInputException>(() => BuildContext.EnsureStoreNotSentAsync(new StoreLocation("./not/yet/there"), ".", "Dockerfile", buildKit: false, CancellationToken.None));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Fact]
    public async Task A_store_reached_through_a_symlink_is_still_inside()
    {
        var link = _context + "-link";
        Directory.CreateSymbolicLink(link, _context);
        try
        {
            var store = new StoreLocation(Path.Combine(link, ".layercache"));
            await Assert.ThrowsAsync<InvalidInputException>(() => BuildContext.EnsureStoreNotSentAsync(store, _context, Dockerfile, buildKit: false, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(link);
        }
    }

    [Fact]
    public async Task A_store_excluded_by_dockerignore_is_accepted()
    {
        File.WriteAllText(Path.Combine(_context, ".dockerignore"), "# the cache\n.layercache\n");
        var store = new StoreLocation(Path.Combine(_context, ".layercache"));
        await BuildContext.EnsureStoreNotSentAsync(store, _context, Dockerfile, buildKit: false, CancellationToken.None);
    }

    [Fact]
    public async Task Under_BuildKit_the_dockerfiles_own_ignore_file_decides()
    {
        File.WriteAllText(Path.Combine(_context, ".dockerignore"), ".layercache\n");
        File.WriteAllText(Dockerfile + ".dockerignore", "*.md\n");
        var store = new StoreLocation(Path.Combine(_context, ".layercache"));

        await BuildContext.EnsureStoreNotSentAsync(store, _context, Dockerfile, buildKit: false, CancellationToken.None);
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => BuildContext.EnsureStoreNotSentAsync(store, _context, Dockerfile, buildKit: true, CancellationToken.None));
        Assert.Contains("Dockerfile.dockerignore", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_context_itself_as_store_is_refused() =>
        await Assert.ThrowsAsync<InvalidInputException>(() => BuildContext.EnsureStoreNotSentAsync(new StoreLocation(_context), _context, Dockerfile, buildKit: false, CancellationToken.None));

    [Fact]
    public async Task A_malformed_dockerignore_is_bad_input_naming_the_file()
    {
        File.WriteAllText(Path.Combine(_context, ".dockerignore"), "[\n");
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => BuildContext.EnsureStoreNotSentAsync(new StoreLocation(Path.Combine(_context, "s")), _context, Dockerfile, buildKit: false, CancellationToken.None));
        Assert.Contains(".dockerignore", e.Message, StringComparison.Ordinal);
    }
}
