using System.Diagnostics;
using LayerCache.Core.Inputs;
using LayerCache.Core.Keys;
using LayerCache.Oci;

namespace LayerCache.Core.Tests;

/// <summary>
/// The inputs digest sees everything the builder is sent, and nothing it is not: each class of change
/// that would make docker build another image changes the digest (a false "unchanged" would ship a
/// wrong image), and a change docker never sees does not (the shortcut must still hit).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BuildInputsTests : IDisposable
{
    private static readonly Digest Key = CacheKey.HashValue("key");
    private readonly string _context = Directory.CreateTempSubdirectory("layercache-inputs-").FullName;

    public BuildInputsTests()
    {
        Write("Dockerfile", "FROM scratch\nCOPY . /app\n");
        Write("src/main.c", "int main() { return 0; }\n");
        Write("logs/build.log", "old log\n");
        Write("vendor/lib/a.c", "a\n");
        Write("vendor/lib/keep.c", "keep\n");
        Write(".dockerignore", "logs\nvendor\n!vendor/lib/keep.c\n");
    }

    public void Dispose() => Directory.Delete(_context, recursive: true);

    [Fact]
    public async Task The_same_context_gives_the_same_digest()
    {
        Assert.Equal(await DigestAsync(), await DigestAsync());
    }

    [Fact]
    public async Task An_ignored_file_changed_keeps_the_digest()
    {
        var before = await DigestAsync();
        Write("logs/build.log", "a new log line\n");
        Write("logs/more.log", "another\n");
        Write("vendor/lib/a.c", "changed, but excluded\n");
        Assert.Equal(before, await DigestAsync());
    }

    [Fact]
    public async Task A_file_re_included_after_an_exception_changed_changes_the_digest()
    {
        var before = await DigestAsync();
        Write("vendor/lib/keep.c", "keep, changed\n");
        Assert.NotEqual(before, await DigestAsync());
    }

    [Fact]
    public async Task A_file_re_included_by_a_wildcard_exception_changed_changes_the_digest()
    {
        // Whether builders walk into "vendor" for "!**/keep.c" differs; the digest walks (more, not less).
        Write(".dockerignore", "vendor\n!**/keep.c\n");
        var before = await DigestAsync();
        Write("vendor/lib/keep.c", "keep, changed\n");
        Assert.NotEqual(before, await DigestAsync());
    }

    [Fact]
    public async Task A_mode_change_changes_the_digest()
    {
        var before = await DigestAsync();
        File.SetUnixFileMode(Path.Combine(_context, "src/main.c"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.NotEqual(before, await DigestAsync());
    }

    [Fact]
    public async Task A_directory_mode_change_changes_the_digest()
    {
        var before = await DigestAsync();
        File.SetUnixFileMode(Path.Combine(_context, "src"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.NotEqual(before, await DigestAsync());
    }

    [Fact]
    public async Task A_symlink_target_change_changes_the_digest_and_the_link_is_not_followed()
    {
        File.CreateSymbolicLink(Path.Combine(_context, "src/link"), "main.c");
        var before = await DigestAsync();
        File.Delete(Path.Combine(_context, "src/link"));
        File.CreateSymbolicLink(Path.Combine(_context, "src/link"), "../src/main.c");
        var changed = await DigestAsync();
        Assert.NotEqual(before, changed);

        // A link out of the context is recorded as a link: what it points to is never read.
        var outside = Path.Combine(_context + "-outside");
        File.WriteAllText(outside, "outside\n");
        try
        {
            File.Delete(Path.Combine(_context, "src/link"));
            File.CreateSymbolicLink(Path.Combine(_context, "src/link"), outside);
            var pointingOut = await DigestAsync();
            File.WriteAllText(outside, "outside, changed\n");
            Assert.Equal(pointingOut, await DigestAsync());
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task A_renamed_file_changes_the_digest()
    {
        var before = await DigestAsync();
        File.Move(Path.Combine(_context, "src/main.c"), Path.Combine(_context, "src/main2.c"));
        Assert.NotEqual(before, await DigestAsync());
    }

    [Fact]
    public async Task An_empty_directory_added_changes_the_digest()
    {
        var before = await DigestAsync();
        Directory.CreateDirectory(Path.Combine(_context, "src/empty"));
        Assert.NotEqual(before, await DigestAsync());
    }

    [Fact]
    public async Task A_content_change_of_the_same_size_changes_the_digest()
    {
        var before = await DigestAsync();
        Write("src/main.c", "int main() { return 1; }\n");
        Assert.NotEqual(before, await DigestAsync());
    }

    [Fact]
    public async Task A_hard_link_changes_the_digest()
    {
        Write("src/copy.c", "int main() { return 0; }\n");
        var before = await DigestAsync();
        File.Delete(Path.Combine(_context, "src/copy.c"));
        Assert.Equal(0, Link(Path.Combine(_context, "src/main.c"), Path.Combine(_context, "src/copy.c")));
        Assert.NotEqual(before, await DigestAsync());
    }

    [Fact]
    public async Task A_fifo_is_recorded_without_being_opened()
    {
        var fifo = Path.Combine(_context, "src/pipe");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
        }

        // Opening it for reading would block forever: the walk must finish.
        var digest = await DigestAsync().WaitAsync(TimeSpan.FromSeconds(30));
        File.Delete(fifo);
        Assert.NotEqual(digest, await DigestAsync());
    }

    [Fact]
    public async Task The_modification_time_is_not_part_of_the_digest()
    {
        var before = await DigestAsync();
        File.SetLastWriteTimeUtc(Path.Combine(_context, "src/main.c"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(before, await DigestAsync());
    }

    [Fact]
    public async Task A_changed_dockerignore_changes_the_digest()
    {
        var before = await DigestAsync();
        Write(".dockerignore", "logs\nvendor\n!vendor/lib/keep.c\n# a comment\n");
        Assert.NotEqual(before, await DigestAsync());
    }

    [Fact]
    public async Task BuildKit_reads_the_Dockerfile_s_own_ignore_file_first()
    {
        Write("Dockerfile.dockerignore", "logs\nvendor\n!vendor/lib/keep.c\nsrc\n");
        var classicBefore = await DigestAsync(buildKit: false);
        var buildKitBefore = await DigestAsync(buildKit: true);
        Write("src/main.c", "changed\n");

        // BuildKit excludes src (its ignore file says so); the classic builder sends it.
        Assert.Equal(buildKitBefore, await DigestAsync(buildKit: true));
        Assert.NotEqual(classicBefore, await DigestAsync(buildKit: false));
    }

    [Fact]
    public async Task The_classic_builder_always_sends_the_Dockerfile_and_the_ignore_file()
    {
        Write(".dockerignore", "Dockerfile\n.dockerignore\nlogs\n");
        var before = await DigestAsync(buildKit: false);
        File.SetUnixFileMode(Path.Combine(_context, "Dockerfile"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.NotEqual(before, await DigestAsync(buildKit: false));
    }

    [Fact]
    public async Task A_build_setting_from_the_environment_changes_the_digest()
    {
        var environment = new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = "1700000000" };
        var before = await DigestAsync(environment: n => environment.GetValueOrDefault(n));
        environment["SOURCE_DATE_EPOCH"] = "1700000001";
        Assert.NotEqual(before, await DigestAsync(environment: n => environment.GetValueOrDefault(n)));
    }

    [Fact]
    public async Task Docker_flags_and_the_key_are_part_of_the_digest()
    {
        var before = await DigestAsync();
        Assert.NotEqual(before, await DigestAsync(flags: ["--label", "a=b"]));
        Assert.NotEqual(before, await DigestAsync(key: CacheKey.HashValue("another key")));
    }

    [Fact]
    public async Task Tens_of_thousands_of_files_are_digested_quickly()
    {
        for (var d = 0; d < 100; d++)
        {
            var directory = Path.Combine(_context, "many", d.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(directory);
            for (var f = 0; f < 200; f++)
            {
                File.WriteAllText(Path.Combine(directory, f + ".txt"), "file " + f);
            }
        }

        var clock = Stopwatch.StartNew();
        var result = await BuildInputs.ComputeAsync(Request(), CancellationToken.None);
        Assert.True(result.Context.Files >= 20_000, $"{result.Context.Files} files");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"20,000 files took {clock.Elapsed}");
    }

    private BuildInputsRequest Request(bool buildKit = false, IReadOnlyList<string>? flags = null, Func<string, string?>? environment = null, Digest? key = null) =>
        new(key ?? Key, _context, Path.Combine(_context, "Dockerfile"), buildKit, flags ?? [], environment ?? (_ => null), "linux/amd64");

    private async Task<Digest> DigestAsync(bool buildKit = false, IReadOnlyList<string>? flags = null, Func<string, string?>? environment = null, Digest? key = null) =>
        (await BuildInputs.ComputeAsync(Request(buildKit, flags, environment, key), CancellationToken.None)).Digest;

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_context, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);
}
