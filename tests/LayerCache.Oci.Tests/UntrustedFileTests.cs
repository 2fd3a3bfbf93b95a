using System.Diagnostics;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

/// <summary>The primitives a hostile layout meets: opens that never follow a link or block on a FIFO, and the one bounded document reader.</summary>
[Collection(AllocationMeasurements.Name)]
public sealed class UntrustedFileTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_fifo_is_refused_without_blocking()
    {
        using var temp = new TempDirectory();
        var fifo = temp.Combine("blob");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [fifo]) { UseShellExecute = false })!)
        {
            await mkfifo.WaitForExitAsync(TestContext.Token);
        }

        Assert.Equal(FileKind.Special, UntrustedFile.GetKind(fifo));
        var e = await Assert.ThrowsAsync<UnsafeFileException>(() => Task.Run(() => UntrustedFile.OpenRead(fifo), TestContext.Token).WaitAsync(Quick, TestContext.Token));
        Assert.Equal(FileKind.Special, e.Kind);
        await Assert.ThrowsAsync<UnsafeFileException>(() => Task.Run(() => UntrustedFile.OpenOrCreateForLock(fifo), TestContext.Token).WaitAsync(Quick, TestContext.Token));
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("target-file")]
    [InlineData("/nonexistent/target")]
    public void A_link_is_never_followed_nor_its_target_created(string target)
    {
        using var temp = new TempDirectory();
        var resolved = target.StartsWith('/') ? target : temp.Combine(target);
        if (!target.StartsWith('/'))
        {
            File.WriteAllText(resolved, "outside");
        }

        var link = temp.Combine("index.json");
        File.CreateSymbolicLink(link, resolved);

        Assert.Equal(FileKind.SymbolicLink, UntrustedFile.GetKind(link));
        Assert.Throws<UnsafeFileException>(() => UntrustedFile.OpenRead(link));
        Assert.Throws<UnsafeFileException>(() => UntrustedFile.OpenOrCreateForLock(link).Dispose());
        Assert.False(target == "/nonexistent/target" && File.Exists(resolved));
    }

    [Fact]
    public async Task A_directory_link_is_not_a_directory()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("real"));
        Directory.CreateSymbolicLink(temp.Combine("blobs"), temp.Combine("real"));

        Assert.Throws<UnsafeFileException>(() => UntrustedFile.RequireDirectory(temp.Combine("blobs"), mayBeMissing: true));
        var layout = await OciLayout.OpenOrCreateAsync(temp.Combine("layout"), TestContext.Token);
        Directory.Delete(Path.Combine(layout.Root, "blobs", "sha256"));
        Directory.CreateSymbolicLink(Path.Combine(layout.Root, "blobs", "sha256"), temp.Combine("real"));
        Assert.Throws<UnsafeFileException>(layout.CheckTree);
        Assert.Empty(layout.EnumerateBlobs());
    }

    [Fact]
    public async Task The_document_reader_stops_an_endless_stream_at_its_limit_with_bounded_memory()
    {
        await using var zeros = File.OpenRead("/dev/zero");
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var e = await Assert.ThrowsAsync<OciFormatException>(() => DocumentReader.ReadAsync(zeros, "index.json", TestContext.Token).WaitAsync(Quick, TestContext.Token));
        Assert.Contains("index.json", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 8L * DocumentReader.MaxSize);
    }

    [Fact]
    public async Task A_layout_reads_a_document_no_larger_than_the_limit()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var big = new byte[DocumentReader.MaxSize + 1];
        var written = await layout.WriteBlobAsync(big, TestContext.Token);

        await Assert.ThrowsAsync<OciFormatException>(() => layout.ReadBlobAsync(written.Digest, TestContext.Token));
        await Assert.ThrowsAsync<OciFormatException>(() => layout.ReadManifestAsync(new Descriptor { MediaType = MediaType.OciImageManifest, Digest = written.Digest, Size = written.Size }, TestContext.Token));
    }

    [Fact]
    public async Task A_stamp_changes_with_any_write_even_when_the_modification_time_is_put_back()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("blob");
        await File.WriteAllBytesAsync(path, new byte[4096], TestContext.Token);
        FileStamp Stamp()
        {
            using var file = UntrustedFile.OpenRead(path);
            return UntrustedFile.Stamp(file);
        }

        var first = Stamp();
        Assert.Equal(first, Stamp());
        Assert.Equal(4096, first.Size);

        await Task.Delay(50, TestContext.Token);
        var written = File.GetLastWriteTimeUtc(path);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.WriteByte(1);
        }

        File.SetLastWriteTimeUtc(path, written);
        var rewritten = Stamp();
        Assert.Equal(first.Size, rewritten.Size);
        Assert.NotEqual(first, rewritten);

        // Replaced by a rename: another inode.
        await File.WriteAllBytesAsync(path + ".new", new byte[4096], TestContext.Token);
        File.Move(path + ".new", path, overwrite: true);
        Assert.NotEqual(rewritten.Inode, Stamp().Inode);
    }
}
