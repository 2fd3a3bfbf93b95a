using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

public class InflatedLayerStreamTests
{
    private const long Unbounded = long.MaxValue;

    [Theory]
    [InlineData(1)]
    [InlineData(511)]
    [InlineData(4096)]
    [InlineData(81920)]
    public async Task A_gzip_layer_inflates_to_its_tar_byte_identically(int chunk)
    {
        var tar = Tar(("app/hello", Encoding.ASCII.GetBytes("hello")), ("app/data", Pattern(300_001)));
        var gz = Gzip(tar);
        await using var stream = Open(gz, Digest.Compute(gz), DiffId.FromDigest(Digest.Compute(tar)), Unbounded);
        Assert.Equal(tar, await ReadAllAsync(stream, chunk));
        Assert.Equal(tar.Length, stream.InflatedBytes);
    }

    [Fact]
    public void A_gzip_layer_inflates_synchronously_too()
    {
        var tar = Tar(("a", Pattern(10_000)));
        var gz = Gzip(tar);
        using var stream = Open(gz, Digest.Compute(gz), DiffId.FromDigest(Digest.Compute(tar)), Unbounded);
        var copy = new MemoryStream();
        stream.CopyTo(copy, 333);
        Assert.Equal(tar, copy.ToArray());
    }

    [Fact]
    public async Task Concatenated_gzip_members_inflate_to_the_whole_tar()
    {
        // pigz and other writers emit several members; Go's reader (the engine's) reads them all.
        var tar = Tar(("a", Pattern(70_000)), ("b", Pattern(5_000)));
        var gz = Concat(Gzip(tar[..4096]), Gzip(tar[4096..]));
        await using var stream = Open(gz, Digest.Compute(gz), DiffId.FromDigest(Digest.Compute(tar)), Unbounded);
        Assert.Equal(tar, await ReadAllAsync(stream, 4096));
    }

    [Fact]
    public async Task A_truncated_gzip_whose_bytes_are_its_digest_is_refused_naming_the_stored_blob()
    {
        var tar = Tar(("a", Pattern(200_000)));
        var gz = Gzip(tar)[..^100];
        var stored = Digest.Compute(gz);
        await using var stream = Open(gz, stored, DiffId.FromDigest(Digest.Compute(tar)), Unbounded);
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadAllAsync(stream, 4096));
        Assert.Equal(stored, error.Layer);
    }

    [Fact]
    public async Task A_truncated_download_is_a_size_mismatch_not_a_refusal()
    {
        // The blob is fine, the read was cut short: the stored blob must not be called foreign.
        var tar = Tar(("a", Pattern(200_000)));
        var gz = Gzip(tar);
        await using var stream = Open(gz[..^100], Digest.Compute(gz), DiffId.FromDigest(Digest.Compute(tar)), Unbounded, gz.Length);
        var error = await Assert.ThrowsAnyAsync<ContentVerificationException>(() => ReadAllAsync(stream, 4096));
        Assert.IsNotType<LayerContentRefusedException>(error);
    }

    [Fact]
    public async Task A_bad_crc_is_refused_as_invalid_gzip()
    {
        var tar = Tar(("a", Pattern(50_000)));
        var gz = Gzip(tar);
        gz[^8] ^= 0xff; // the CRC-32 of the trailer
        var stored = Digest.Compute(gz);
        await using var stream = Open(gz, stored, DiffId.FromDigest(Digest.Compute(tar)), Unbounded);
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadAllAsync(stream, 4096));
        Assert.Equal(stored, error.Layer);
        Assert.Contains("gzip", error.Message, StringComparison.Ordinal);

        // The failure sticks.
        await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadAllAsync(stream, 10));
    }

    [Fact]
    public async Task A_corrupt_stored_blob_is_a_digest_mismatch_of_the_stored_digest()
    {
        var tar = Tar(("a", Pattern(50_000)));
        var gz = Gzip(tar);
        var stored = Digest.Compute(gz);
        var damaged = (byte[])gz.Clone();
        damaged[gz.Length / 2] ^= 0x55;
        await using var stream = Open(damaged, stored, DiffId.FromDigest(Digest.Compute(tar)), Unbounded, gz.Length);
        var error = await Assert.ThrowsAnyAsync<ContentVerificationException>(() => ReadAllAsync(stream, 4096));
        var mismatch = Assert.IsType<DigestMismatchException>(error);
        Assert.Equal(stored, mismatch.Expected);
    }

    [Fact]
    public async Task A_bomb_beyond_the_bound_is_refused_before_a_byte_past_the_bound_is_passed_on()
    {
        // 64 MiB of zeros in well under 128 KiB.
        var zeros = new byte[64 * 1024 * 1024];
        var tar = Tar(("zeros", zeros));
        var gz = Gzip(tar, CompressionLevel.SmallestSize);
        Assert.True(gz.Length * 500 < tar.Length, $"the bomb inflates only {tar.Length / gz.Length}x");
        const long bound = 1024 * 1024;
        var stored = Digest.Compute(gz);
        await using var stream = Open(gz, stored, DiffId.FromDigest(Digest.Compute(tar)), bound);
        long passed = 0;
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(async () =>
        {
            var buffer = new byte[100_000];
            int read;
            while ((read = await stream.ReadAsync(buffer, TestContext.Token)) > 0)
            {
                passed += read;
            }
        });
        Assert.True(passed <= bound, $"{passed} bytes were passed on, the bound is {bound}");
        Assert.Equal(stored, error.Layer);
        Assert.Contains("more than 1048576 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_layer_exactly_at_the_bound_passes()
    {
        var tar = Tar(("a", Pattern(10_000)));
        var gz = Gzip(tar);
        await using var stream = Open(gz, Digest.Compute(gz), DiffId.FromDigest(Digest.Compute(tar)), tar.Length);
        Assert.Equal(tar, await ReadAllAsync(stream, 4096));
    }

    [Fact]
    public async Task A_tar_that_is_not_the_configs_diffid_is_refused_naming_the_stored_blob_not_the_diffid()
    {
        var tar = Tar(("a", Pattern(10_000)));
        var other = DiffId.FromDigest(Digest.Compute(Tar(("b", Pattern(10_000)))));
        var gz = Gzip(tar);
        var stored = Digest.Compute(gz);
        await using var stream = Open(gz, stored, other, Unbounded);
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadAllAsync(stream, 4096));
        Assert.Equal(stored, error.Layer);
        Assert.Contains(other.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gzip_inside_gzip_is_refused_by_the_guard()
    {
        // The engine would inflate the inner layer itself: only one level is layercache's to inflate.
        var tar = Tar(("a", Pattern(10_000)));
        var inner = Gzip(tar);
        var gz = Gzip(inner);
        await using var stream = Open(gz, Digest.Compute(gz), DiffId.FromDigest(Digest.Compute(inner)), Unbounded);
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadAllAsync(stream, 4096));
        Assert.Contains("gzip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sparse_entry_inside_gzip_is_refused_by_the_guard()
    {
        var header = TarOutput.BuildHeader("hole", 512, (byte)'S', "0000644");
        var tar = Concat(header, new byte[512], new byte[1024]);
        var gz = Gzip(tar);
        await using var stream = Open(gz, Digest.Compute(gz), DiffId.FromDigest(Digest.Compute(tar)), Unbounded);
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadAllAsync(stream, 4096));
        Assert.Contains("sparse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_bytes_that_are_not_gzip_are_refused()
    {
        var tar = Tar(("a", Pattern(10_000)));
        await using var stream = Open(tar, Digest.Compute(tar), DiffId.FromDigest(Digest.Compute(tar)), Unbounded);
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadAllAsync(stream, 4096));
        Assert.Contains("gzip", error.Message, StringComparison.Ordinal);
    }

    private static InflatedLayerStream Open(byte[] blob, Digest stored, DiffId diffId, long bound, long? storedSize = null) =>
        new(new VerifyingStream(new ForwardOnlyStream(new MemoryStream(blob)), stored, storedSize ?? blob.Length, "test blob"), stored, diffId, bound, "test layer");

    private static async Task<byte[]> ReadAllAsync(Stream stream, int chunk)
    {
        var copy = new MemoryStream();
        var buffer = new byte[chunk];
        int read;
        while ((read = await stream.ReadAsync(buffer, TestContext.Token)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    private static byte[] Tar(params (string Name, byte[] Data)[] files)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, data) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        return output.ToArray();
    }

    private static byte[] Gzip(byte[] content, CompressionLevel level = CompressionLevel.Fastest)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)((i * 31) ^ (i >> 9))).ToArray();

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
