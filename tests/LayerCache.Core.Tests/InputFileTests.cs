using System.Diagnostics;
using LayerCache.Core.Inputs;
using LayerCache.Core.Planning;

namespace LayerCache.Core.Tests;

/// <summary>-f, --key-file and .dockerignore: special files are refused at once, documents are bounded.</summary>
public sealed class InputFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("layercache-input-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_fifo_is_refused_without_blocking()
    {
        var fifo = Path.Combine(_root, "fifo");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var planning = Task.Run(() => DockerfilePlanner.PlanAsync(fifo, null, new Dictionary<string, string>(), timeout.Token));
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => planning.WaitAsync(timeout.Token));
        Assert.Contains("FIFO", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => InputFile.OpenRegular(fifo, "key file"));
    }

    [Fact]
    public async Task A_character_device_is_refused() =>
        Assert.Contains("character device", (await Assert.ThrowsAsync<InvalidInputException>(
            () => DockerfilePlanner.PlanAsync("/dev/zero", null, new Dictionary<string, string>(), CancellationToken.None))).Message, StringComparison.Ordinal);

    [Fact]
    public void A_directory_is_refused() =>
        Assert.Contains("a directory", Assert.Throws<InvalidInputException>(() => InputFile.OpenRegular(_root, "Dockerfile")).Message, StringComparison.Ordinal);

    [Fact]
    public void A_missing_file_is_named() =>
        Assert.Contains("not found", Assert.Throws<InvalidInputException>(() => InputFile.OpenRegular(Path.Combine(_root, "none"), "Dockerfile")).Message, StringComparison.Ordinal);

    [Fact]
    public async Task A_document_larger_than_the_bound_is_refused()
    {
        var big = Path.Combine(_root, "Dockerfile");
        await File.WriteAllBytesAsync(big, new byte[1025]);
        await Assert.ThrowsAsync<InvalidInputException>(() => InputFile.ReadAllBytesAsync(big, "Dockerfile", 1024, CancellationToken.None));
        Assert.Equal(1025, (await InputFile.ReadAllBytesAsync(big, "Dockerfile", 2048, CancellationToken.None)).Length);
    }
}
