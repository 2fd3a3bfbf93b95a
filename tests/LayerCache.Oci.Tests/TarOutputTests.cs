using System.Formats.Tar;
using LayerCache.Oci;

namespace LayerCache.Oci.Tests;

public class TarOutputTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1234L)]
    [InlineData(8589934591L)]
    [InlineData(8589934592L)]
    [InlineData(9L * 1024 * 1024 * 1024)]
    [InlineData(100L * 1024 * 1024 * 1024 * 1024)]
    public void Headers_carry_sizes_beyond_the_octal_limit(long size)
    {
        // Header only: on a forward-only stream the reader does not touch the (absent) data until asked.
        var header = TarOutput.BuildHeader("0123456789abcdef/layer.tar", size, (byte)'0', "0000644");
        using var reader = new TarReader(new ForwardOnlyStream(new MemoryStream(header)));
        var entry = reader.GetNextEntry(copyData: false);
        Assert.NotNull(entry);
        Assert.Equal("0123456789abcdef/layer.tar", entry.Name);
        Assert.Equal(size, entry.Length);
        Assert.Equal(TarEntryType.RegularFile, entry.EntryType);
    }

    [Fact]
    public void Names_must_fit_a_ustar_header() =>
        Assert.Throws<ArgumentException>(() => TarOutput.BuildHeader(new string('a', 101), 0, (byte)'0', "0000644"));
}
