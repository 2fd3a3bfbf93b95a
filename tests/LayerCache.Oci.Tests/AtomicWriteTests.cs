using System.Text;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

/// <summary>
/// Writes are temp-file-then-rename: a reader never sees a blob's name before its content is complete,
/// and an open reader of index.json keeps the old file while a new one replaces it.
/// </summary>
public sealed class AtomicWriteTests
{
    [Fact]
    public async Task A_blob_is_not_visible_under_its_name_while_its_content_is_still_streaming()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var content = new byte[300_000];
        new Random(7).NextBytes(content);
        var digest = Digest.Compute(content);
        var source = new PausingStream(content, pauseAfter: 100_000);

        var writing = layout.WriteBlobAsync(source, digest, content.Length, TestContext.Token);
        await source.Paused.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Token);

        // Half written: the name must not exist, nothing under blobs/ may look like a blob.
        Assert.False(File.Exists(layout.GetBlobPath(digest)));
        Assert.False(layout.HasBlob(digest));
        Assert.Empty(layout.EnumerateBlobs());

        source.Resume();
        await writing.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Token);
        Assert.Equal(content, await File.ReadAllBytesAsync(layout.GetBlobPath(digest), TestContext.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(layout.TempDirectory));
    }

    [Fact]
    public async Task A_blob_of_unknown_digest_is_not_visible_before_it_is_complete_either()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var content = Encoding.UTF8.GetBytes(new string('x', 200_000));
        var source = new PausingStream(content, pauseAfter: 50_000);

        var writing = layout.WriteBlobAsync(source, null, null, TestContext.Token);
        await source.Paused.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Token);
        Assert.Empty(layout.EnumerateBlobs());
        source.Resume();
        var written = await writing.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Token);
        Assert.Equal(Digest.Compute(content), written.Digest);
        Assert.True(layout.HasBlob(written.Digest));
    }

    [Fact]
    public async Task Index_json_is_replaced_by_rename_so_an_open_reader_keeps_the_old_file()
    {
        using var temp = new TempDirectory();
        var layout = await OciLayout.OpenOrCreateAsync(temp.Path, TestContext.Token);
        var old = await File.ReadAllBytesAsync(layout.IndexPath, TestContext.Token);
        await using var reader = new FileStream(layout.IndexPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        var image = SyntheticImage.Create(seed: "atomic");
        await image.WriteToAsync(layout, "app", TestContext.Token);

        // Written in place, the handle would now read the new (or a truncated) document.
        using var seen = new MemoryStream();
        await reader.CopyToAsync(seen, TestContext.Token);
        Assert.Equal(old, seen.ToArray());
        Assert.NotNull(await layout.ResolveAsync("app", TestContext.Token));
    }

    [Fact]
    public async Task AtomicFile_replaces_by_rename_and_leaves_no_temp_file()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("SUMMARY");
        await File.WriteAllTextAsync(path, "old", TestContext.Token);
        await using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        await AtomicFile.WriteAsync(path, Encoding.UTF8.GetBytes("new content"), temp.Combine(".tmp"), TestContext.Token);

        using var seen = new StreamReader(reader);
        Assert.Equal("old", await seen.ReadToEndAsync(TestContext.Token));
        Assert.Equal("new content", await File.ReadAllTextAsync(path, TestContext.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Combine(".tmp")));
    }

    /// <summary>Yields <c>pauseAfter</c> bytes, then blocks until <see cref="Resume"/>, then the rest.</summary>
    private sealed class PausingStream(byte[] content, int pauseAfter) : Stream
    {
        private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public Task Paused => _paused.Task;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public void Resume() => _resume.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == pauseAfter)
            {
                _paused.TrySetResult();
                await _resume.Task.WaitAsync(cancellationToken);
            }

            var limit = _position < pauseAfter ? pauseAfter : content.Length;
            var count = Math.Min(buffer.Length, limit - _position);
            content.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
