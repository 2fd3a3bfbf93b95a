using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

public class LayerContentGuardStreamTests
{
    private static readonly int[] ChunkSizes = [1, 7, 511, 513, 4096, 81920];

    public static TheoryData<TarEntryFormat, int> FormatsAndChunks()
    {
        var data = new TheoryData<TarEntryFormat, int>();
        foreach (var format in new[] { TarEntryFormat.V7, TarEntryFormat.Ustar, TarEntryFormat.Pax, TarEntryFormat.Gnu })
        {
            foreach (var chunk in ChunkSizes)
            {
                data.Add(format, chunk);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FormatsAndChunks))]
    public async Task A_normal_tar_passes_byte_identically(TarEntryFormat format, int chunk)
    {
        var tar = BuildTar(format);
        var passed = await ReadThroughAsync(tar, chunk);
        Assert.Equal(tar, passed);
    }

    [Fact]
    public void A_normal_tar_passes_synchronously_and_reaches_its_end_marker()
    {
        var tar = BuildTar(TarEntryFormat.Pax);
        using var guard = new LayerContentGuardStream(new ForwardOnlyStream(new MemoryStream(tar)));
        var copy = new MemoryStream();
        guard.CopyTo(copy, 333);
        Assert.Equal(tar, copy.ToArray());
        Assert.True(guard.ReachedEndOfArchive);
    }

    [Fact]
    public async Task File_data_that_looks_like_a_sparse_header_is_only_counted()
    {
        // A file whose content is a valid 'S' header block at a block boundary: the guard must not
        // parse data as headers (it would refuse here), nor miss a real header after it.
        var fake = new byte[2048];
        TarOutput.BuildHeader("fake-sparse", 1L << 40, (byte)'S', "0000644").CopyTo(fake, 512);
        var tar = TarOf(format: TarEntryFormat.Pax, ("a/fake", fake), ("a/after", Encoding.ASCII.GetBytes("after")));
        foreach (var chunk in ChunkSizes)
        {
            Assert.Equal(tar, await ReadThroughAsync(tar, chunk));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task A_gzip_compressed_tar_is_refused(int chunk)
    {
        var tar = BuildTar(TarEntryFormat.Pax);
        var gz = new MemoryStream();
        await using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            await zip.WriteAsync(tar, TestContext.Token);
        }

        var layer = Digest.Compute(gz.ToArray());
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(gz.ToArray(), chunk, layer));
        Assert.Contains("gzip", error.Message, StringComparison.Ordinal);
        Assert.Equal(layer, error.Layer);
        Assert.IsAssignableFrom<ContentVerificationException>(error);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9', 0x31, 0x41 }, "bzip2")]
    [InlineData(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }, "xz")]
    [InlineData(new byte[] { 0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00 }, "zstd")]
    [InlineData(new byte[] { 0x5a, 0x2a, 0x4d, 0x18, 0x04, 0x00 }, "zstd")]
    public async Task Other_compression_magics_are_refused_even_in_a_short_blob(byte[] magic, string name)
    {
        foreach (var length in new[] { magic.Length, 4000 })
        {
            var blob = new byte[length];
            magic.CopyTo(blob, 0);
            var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(blob, 3));
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_hand_made_gnu_sparse_entry_is_refused()
    {
        var header = TarOutput.BuildHeader("hole", 512, (byte)'S', "0000644");
        var tar = Concat(BuildTar(TarEntryFormat.Gnu, withEnd: false), header, new byte[512], new byte[1024]);
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(tar, 100));
        Assert.Contains("sparse", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gnu")]
    [InlineData("posix")]
    [InlineData("oldgnu")]
    public async Task A_sparse_file_archived_by_gnu_tar_is_refused(string format)
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("hole");
        await using (var stream = File.Create(file))
        {
            stream.SetLength(64L * 1024 * 1024);
            stream.Position = 1024 * 1024;
            stream.Write("data"u8);
        }

        var archive = dir.Combine("sparse.tar");
        var tar = Process.Start(new ProcessStartInfo("tar", ["--sparse", "--format=" + format, "-cf", archive, "-C", dir.Path, "hole"]) { RedirectStandardError = true })!;
        await tar.WaitForExitAsync(TestContext.Token);
        Assert.Equal(0, tar.ExitCode);
        var bytes = await File.ReadAllBytesAsync(archive, TestContext.Token);
        Assert.True(bytes.Length < 1024 * 1024, $"GNU tar wrote the file sparsely ({bytes.Length} bytes)");
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(bytes, 509));
        Assert.Contains("sparse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pax_sparse_record_is_refused()
    {
        var records = PaxRecord("GNU.sparse.major", "1") + PaxRecord("GNU.sparse.minor", "0") + PaxRecord("GNU.sparse.realsize", "1099511627776");
        var tar = Concat(Pax('x', records), TarOutput.BuildHeader("hole", 0, (byte)'0', "0000644"), new byte[1024]);
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(tar, 64));
        Assert.Contains("GNU.sparse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_header_checksum_is_refused()
    {
        var tar = BuildTar(TarEntryFormat.Ustar);
        tar[0] ^= 0x01; // the first entry's name, not its checksum
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(tar, 13));
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_pax_header_is_refused_before_it_is_buffered()
    {
        var header = TarOutput.BuildHeader("PaxHeaders/huge", 64L * 1024 * 1024 * 1024, (byte)'x', "0000644");
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(Concat(header, new byte[4096]), 4096));
        Assert.Contains("PAX header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_header_only_entry_with_data_is_refused()
    {
        // Tar readers disagree on whether a directory's declared size is followed by data: refused.
        var tar = Concat(TarOutput.BuildHeader("dir/", 1024, (byte)'5', "0000755"), new byte[1024], new byte[1024]);
        await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(tar, 512));
    }

    [Fact]
    public async Task A_pax_size_that_disagrees_with_the_header_is_refused()
    {
        var tar = Concat(Pax('x', PaxRecord("size", "4096")), TarOutput.BuildHeader("file", 100, (byte)'0', "0000644"), new byte[4096], new byte[1024]);
        var error = await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(tar, 512));
        Assert.Contains("PAX size", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pax_size_with_a_zero_header_size_decides_the_data_length()
    {
        // How writers record a file too big for the header: the data (here holding what would be a
        // sparse header if it were parsed as one) is counted by the PAX size.
        var data = new byte[4096];
        TarOutput.BuildHeader("fake-sparse", 1L << 40, (byte)'S', "0000644").CopyTo(data, 0);
        var tar = Concat(Pax('x', PaxRecord("size", "4096")), TarOutput.BuildHeader("file", 0, (byte)'0', "0000644"), data, new byte[1024]);
        Assert.Equal(tar, await ReadThroughAsync(tar, 77));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    public async Task A_tar_cut_inside_a_header_or_data_is_refused(int length)
    {
        var tar = BuildTar(TarEntryFormat.Pax);
        await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(tar[..length], 64));
    }

    [Fact]
    public async Task A_header_after_a_single_zero_block_is_refused()
    {
        var tar = Concat(new byte[512], BuildTar(TarEntryFormat.Ustar));
        await Assert.ThrowsAsync<LayerContentRefusedException>(() => ReadThroughAsync(tar, 512));
    }

    [Fact]
    public async Task An_empty_blob_passes()
    {
        Assert.Empty(await ReadThroughAsync([], 512));
    }

    private static async Task<byte[]> ReadThroughAsync(byte[] content, int chunk, Digest? layer = null)
    {
        await using var guard = new LayerContentGuardStream(new ForwardOnlyStream(new MemoryStream(content)), layer, "test layer");
        var copy = new MemoryStream();
        var buffer = new byte[chunk];
        int read;
        while ((read = await guard.ReadAsync(buffer, TestContext.Token)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    private static byte[] BuildTar(TarEntryFormat format, bool withEnd = true)
    {
        // Long names (GNU 'L' / PAX path records), a directory, a symlink, a hard link, an empty file,
        // sizes on and off the block boundary.
        var longName = "dir/" + new string('n', 150);
        var entries = new List<(string, byte[]?)>
        {
            ("dir/", null),
            ("dir/small", Encoding.ASCII.GetBytes("hello")),
            ("dir/empty", []),
            ("dir/block", Enumerable.Range(0, 1024).Select(i => (byte)i).ToArray()),
            ("dir/odd", Enumerable.Range(0, 70_001).Select(i => (byte)(i * 7)).ToArray()),
        };
        if (format is TarEntryFormat.Pax or TarEntryFormat.Gnu)
        {
            entries.Add((longName, Encoding.ASCII.GetBytes("long")));
        }

        var tar = TarOf(format, [.. entries]);
        return withEnd ? tar : tar[..^1024];
    }

    private static byte[] TarOf(TarEntryFormat format, params (string Name, byte[]? Data)[] entries)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                TarEntry entry = (format, data) switch
                {
                    (TarEntryFormat.V7, null) => new V7TarEntry(TarEntryType.Directory, name),
                    (TarEntryFormat.V7, _) => new V7TarEntry(TarEntryType.V7RegularFile, name),
                    (TarEntryFormat.Ustar, null) => new UstarTarEntry(TarEntryType.Directory, name),
                    (TarEntryFormat.Ustar, _) => new UstarTarEntry(TarEntryType.RegularFile, name),
                    (TarEntryFormat.Pax, null) => new PaxTarEntry(TarEntryType.Directory, name, new Dictionary<string, string> { ["SCHILY.xattr.user.note"] = new string('x', 3000) }),
                    (TarEntryFormat.Pax, _) => new PaxTarEntry(TarEntryType.RegularFile, name),
                    (_, null) => new GnuTarEntry(TarEntryType.Directory, name),
                    _ => new GnuTarEntry(TarEntryType.RegularFile, name),
                };
                if (data is not null)
                {
                    entry.DataStream = new MemoryStream(data);
                }

                writer.WriteEntry(entry);
            }

            if (format is not TarEntryFormat.V7)
            {
                TarEntry link = format switch
                {
                    TarEntryFormat.Ustar => new UstarTarEntry(TarEntryType.SymbolicLink, "dir/link"),
                    TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.SymbolicLink, "dir/link"),
                    _ => new GnuTarEntry(TarEntryType.SymbolicLink, "dir/link"),
                };
                link.LinkName = "small";
                writer.WriteEntry(link);
                TarEntry hard = format switch
                {
                    TarEntryFormat.Ustar => new UstarTarEntry(TarEntryType.HardLink, "dir/hard"),
                    TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.HardLink, "dir/hard"),
                    _ => new GnuTarEntry(TarEntryType.HardLink, "dir/hard"),
                };
                hard.LinkName = "dir/small";
                writer.WriteEntry(hard);
            }
        }

        return output.ToArray();
    }

    private static string PaxRecord(string key, string value)
    {
        // "%d %s=%s\n" where the length counts itself.
        var body = $" {key}={value}\n";
        var length = body.Length + 1;
        while ((length.ToString(System.Globalization.CultureInfo.InvariantCulture) + body).Length != length)
        {
            length++;
        }

        return length.ToString(System.Globalization.CultureInfo.InvariantCulture) + body;
    }

    private static byte[] Pax(char type, string records)
    {
        var data = Encoding.ASCII.GetBytes(records);
        var padded = new byte[(data.Length + 511) / 512 * 512];
        data.CopyTo(padded, 0);
        return Concat(TarOutput.BuildHeader("PaxHeaders/entry", data.Length, (byte)type, "0000644"), padded);
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
