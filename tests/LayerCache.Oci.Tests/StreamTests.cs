using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

public class StreamTests
{
    private static readonly byte[] Content = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31)).ToArray();
    private static readonly Digest ContentDigest = Digest.Compute(Content);

    private static VerifyingStream Verify(byte[] content, Digest digest, long? size) =>
        new(new ForwardOnlyStream(new MemoryStream(content)), digest, size, "blob x");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Verifying_stream_passes_matching_content(bool withSize)
    {
        await using var stream = Verify(Content, ContentDigest, withSize ? Content.Length : null);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Token);
        Assert.Equal(Content, copy.ToArray());
        Assert.True(stream.IsVerified);
        Assert.Equal(Content.Length, stream.BytesRead);
    }

    [Fact]
    public void Verifying_stream_works_synchronously()
    {
        using var stream = Verify(Content, ContentDigest, Content.Length);
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.True(stream.IsVerified);
        Assert.Equal(Content, copy.ToArray());
    }

    [Fact]
    public async Task Verifying_stream_verifies_when_the_expected_size_is_reached()
    {
        await using var stream = Verify(Content, ContentDigest, Content.Length);
        var buffer = new byte[Content.Length];
        await stream.ReadExactlyAsync(buffer, TestContext.Token);
        Assert.True(stream.IsVerified);
    }

    [Fact]
    public async Task Verifying_stream_throws_on_wrong_digest_at_end()
    {
        var corrupt = (byte[])Content.Clone();
        corrupt[5000] ^= 1;
        await using var stream = Verify(corrupt, ContentDigest, corrupt.Length);
        var error = await Assert.ThrowsAsync<DigestMismatchException>(() => stream.CopyToAsync(Stream.Null, TestContext.Token));
        Assert.Equal(ContentDigest, error.Expected);
        Assert.Equal(Digest.Compute(corrupt), error.Actual);
        Assert.Contains("blob x", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ContentVerificationException>(error);

        // The failure sticks: a retrying reader cannot get past it.
        await Assert.ThrowsAsync<DigestMismatchException>(async () => await stream.ReadExactlyAsync(new byte[10], TestContext.Token));
    }

    [Fact]
    public async Task Verifying_stream_throws_as_soon_as_content_is_too_long()
    {
        var longer = Content.Concat(new byte[50_000]).ToArray();
        var inner = new ForwardOnlyStream(new MemoryStream(longer), 1000);
        await using var stream = new VerifyingStream(inner, ContentDigest, Content.Length);
        var error = await Assert.ThrowsAsync<SizeMismatchException>(() => stream.CopyToAsync(Stream.Null, TestContext.Token));
        Assert.Equal(Content.Length, error.Expected);
        Assert.True(error.Actual > Content.Length);
        Assert.True(inner.Consumed <= Content.Length + 1000, "stopped reading within one read of the limit");
    }

    [Fact]
    public async Task Verifying_stream_throws_when_truncated()
    {
        await using var stream = Verify(Content[..1000], ContentDigest, Content.Length);
        var error = await Assert.ThrowsAsync<SizeMismatchException>(() => stream.CopyToAsync(Stream.Null, TestContext.Token));
        Assert.Equal(Content.Length, error.Expected);
        Assert.Equal(1000, error.Actual);
        Assert.Contains("expected 100000 bytes, got 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verifying_stream_without_size_still_checks_the_digest()
    {
        await using var stream = Verify(Content[..1000], ContentDigest, null);
        await Assert.ThrowsAsync<DigestMismatchException>(() => stream.VerifyToEndAsync(TestContext.Token));
    }

    [Fact]
    public async Task Verifying_stream_handles_empty_content_and_sha512()
    {
        await using (var empty = Verify([], Digest.Compute([]), 0))
        {
            await empty.VerifyToEndAsync(TestContext.Token);
            Assert.True(empty.IsVerified);
        }

        var sha512 = Digest.Compute(DigestAlgorithm.Sha512, Content);
        await using var stream = Verify(Content, sha512, Content.Length);
        await stream.VerifyToEndAsync(TestContext.Token);
        Assert.True(stream.IsVerified);
    }

    [Fact]
    public void Verifying_stream_is_read_only_and_forward_only()
    {
        using var stream = Verify(Content, ContentDigest, Content.Length);
        Assert.True(stream.CanRead);
        Assert.False(stream.CanSeek);
        Assert.False(stream.CanWrite);
        Assert.Equal(Content.Length, stream.Length);
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.Write(new byte[1], 0, 1));
        Assert.Throws<NotSupportedException>(() => stream.Position = 3);
        Assert.Throws<ArgumentException>(() => new VerifyingStream(Stream.Null, default));
        stream.Dispose();
        Assert.Throws<ObjectDisposedException>(() => stream.ReadByte());
    }

    [Fact]
    public async Task Verifying_stream_respects_leave_open()
    {
        var inner = new MemoryStream(Content);
        await using (var stream = new VerifyingStream(inner, ContentDigest, leaveOpen: true))
        {
            await stream.VerifyToEndAsync(TestContext.Token);
        }

        Assert.True(inner.CanRead);
        await using (new VerifyingStream(inner, ContentDigest))
        {
        }

        Assert.False(inner.CanRead);
    }

    [Fact]
    public async Task Digesting_stream_hashes_writes()
    {
        var target = new MemoryStream();
        await using var digesting = new DigestingStream(target, leaveOpen: true);
        await digesting.WriteAsync(Content.AsMemory(0, 40_000), TestContext.Token);
        digesting.Write(Content, 40_000, 10_000);
        digesting.Write(Content.AsSpan(50_000));
        await digesting.FlushAsync(TestContext.Token);
        Assert.Equal(ContentDigest, digesting.Digest);
        Assert.Equal(Content.Length, digesting.ByteCount);
        Assert.Equal(Content, target.ToArray());
        Assert.True(digesting.CanWrite);
        Assert.False(digesting.CanSeek);
    }

    [Fact]
    public async Task Digesting_stream_hashes_reads()
    {
        await using var digesting = new DigestingStream(new ForwardOnlyStream(new MemoryStream(Content)), DigestAlgorithm.Sha512);
        var copy = new MemoryStream();
        await digesting.CopyToAsync(copy, TestContext.Token);
        Assert.Equal(Digest.Compute(DigestAlgorithm.Sha512, Content), digesting.Digest);
        Assert.Equal(Content.Length, digesting.ByteCount);
    }

    [Fact]
    public async Task Digesting_stream_copies_from_a_source()
    {
        var target = new MemoryStream();
        await using var digesting = new DigestingStream(target);
        await digesting.CopyFromAsync(new MemoryStream(Content), TestContext.Token);
        Assert.Equal(ContentDigest, digesting.Digest);
        Assert.Equal(Digest.Compute([]), new DigestingStream(Stream.Null).Digest);
    }
}
