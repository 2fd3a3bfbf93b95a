using LayerCache.Core.Context;

namespace LayerCache.Core.Tests;

/// <summary>Reading .dockerignore as moby/patternmatcher's ignorefile.ReadAll, and which file a build uses.</summary>
public sealed class DockerIgnoreFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("layercache-ignore-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // ignorefile_test.go TestReadAll.
    [Fact]
    public void Parses_as_ignorefile_ReadAll()
    {
        const string content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
        Assert.Equal(["test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!"], DockerIgnoreFile.Parse(content));
    }

    [Fact]
    public void A_byte_order_mark_and_crlf_line_ends_are_dropped() =>
        Assert.Equal(["a", "b/c"], DockerIgnoreFile.Parse("\uFEFFa\r\n./b//c/\r\n"));

    [Fact]
    public void BuildKit_prefers_the_dockerfiles_own_ignore_file_the_classic_builder_reads_the_contexts()
    {
        var dockerfile = Path.Combine(_root, "docker", "app.Dockerfile");
        Directory.CreateDirectory(Path.GetDirectoryName(dockerfile)!);
        File.WriteAllText(Path.Combine(_root, ".dockerignore"), "x\n");
        File.WriteAllText(dockerfile + ".dockerignore", "y\n");

        Assert.Equal(dockerfile + ".dockerignore", DockerIgnoreFile.Find(_root, dockerfile, buildKit: true));
        Assert.Equal(Path.Combine(_root, ".dockerignore"), DockerIgnoreFile.Find(_root, dockerfile, buildKit: false));
        File.Delete(dockerfile + ".dockerignore");
        Assert.Equal(Path.Combine(_root, ".dockerignore"), DockerIgnoreFile.Find(_root, dockerfile, buildKit: true));
        File.Delete(Path.Combine(_root, ".dockerignore"));
        Assert.Null(DockerIgnoreFile.Find(_root, dockerfile, buildKit: true));
    }
}
