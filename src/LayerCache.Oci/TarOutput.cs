using System.Buffers;
using System.Text;

namespace LayerCache.Oci;

/// <summary>
/// Writes a ustar archive to a forward-only stream. System.Formats.Tar's writer needs a seekable data
/// stream (or buffers it) to learn an entry's size; here the caller states the size up front, so a
/// layer of any length is copied through in constant memory and its header written before its data.
/// </summary>
internal sealed class TarOutput(Stream output)
{
    private const int BlockSize = 512;

    // The largest size a ustar header holds in 11 octal digits (8 GiB - 1); larger sizes use GNU
    // base-256, which Go's archive/tar (and so dockerd) reads. C# has no octal literals.
    private const long MaxOctalSize = (1L << 33) - 1;

    private static readonly byte[] Zeros = new byte[BlockSize * 2];

    public async Task WriteDirectoryAsync(string name, CancellationToken cancellationToken)
    {
        var header = BuildHeader(name.EndsWith('/') ? name : name + "/", 0, (byte)'5', "0000755");
        await output.WriteAsync(header, cancellationToken);
    }

    public async Task WriteFileAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await output.WriteAsync(BuildHeader(name, content.Length, (byte)'0', "0000644"), cancellationToken);
        await output.WriteAsync(content, cancellationToken);
        await PadAsync(content.Length, cancellationToken);
    }

    /// <summary>Writes a file whose content is exactly <paramref name="size"/> bytes read from <paramref name="content"/>.</summary>
    /// <exception cref="SizeMismatchException">The content is shorter or longer than stated; the archive is then unusable.</exception>
    public async Task WriteFileAsync(string name, Stream content, long size, CancellationToken cancellationToken)
    {
        await output.WriteAsync(BuildHeader(name, size, (byte)'0', "0000644"), cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var remaining = size;
            while (remaining > 0)
            {
                var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken);
                if (read == 0)
                {
                    throw new SizeMismatchException(size, size - remaining, "archive entry " + name);
                }

                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                remaining -= read;
            }

            // Read on to the end: a verifying source checks its digest only there, and extra bytes
            // mean the stated size was wrong.
            if (await content.ReadAsync(buffer.AsMemory(0, 1), cancellationToken) > 0)
            {
                throw new SizeMismatchException(size, size + 1, "archive entry " + name);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await PadAsync(size, cancellationToken);
    }

    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        await output.WriteAsync(Zeros, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    private async Task PadAsync(long size, CancellationToken cancellationToken)
    {
        var padding = (int)((BlockSize - (size % BlockSize)) % BlockSize);
        if (padding > 0)
        {
            await output.WriteAsync(Zeros.AsMemory(0, padding), cancellationToken);
        }
    }

    internal static byte[] BuildHeader(string name, long size, byte type, string mode)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        if (nameBytes.Length > 100 || name.Any(c => c > 127))
        {
            throw new ArgumentException($"tar entry name \"{name}\" must be ASCII and at most 100 bytes", nameof(name));
        }

        var header = new byte[BlockSize];
        nameBytes.CopyTo(header, 0);
        WriteOctal(header.AsSpan(100, 8), mode);
        WriteOctal(header.AsSpan(108, 8), "0000000");
        WriteOctal(header.AsSpan(116, 8), "0000000");
        if (size <= MaxOctalSize)
        {
            WriteOctal(header.AsSpan(124, 12), Convert.ToString(size, 8).PadLeft(11, '0'));
        }
        else
        {
            // GNU base-256: high bit of the first byte set, big-endian value in the rest.
            var field = header.AsSpan(124, 12);
            field[0] = 0x80;
            for (var i = 11; i >= 4; i--)
            {
                field[i] = (byte)(size >> ((11 - i) * 8));
            }
        }

        WriteOctal(header.AsSpan(136, 12), "00000000000");
        header[156] = type;
        Encoding.ASCII.GetBytes("ustar\0").CopyTo(header, 257);
        Encoding.ASCII.GetBytes("00").CopyTo(header, 263);
        Encoding.ASCII.GetBytes("root").CopyTo(header, 265);
        Encoding.ASCII.GetBytes("root").CopyTo(header, 297);

        // The checksum is computed with its own field filled with spaces.
        header.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in header)
        {
            sum += b;
        }

        WriteOctal(header.AsSpan(148, 7), Convert.ToString(sum, 8).PadLeft(6, '0'));
        header[155] = (byte)' ';
        return header;
    }

    private static void WriteOctal(Span<byte> field, string digits)
    {
        Encoding.ASCII.GetBytes(digits).CopyTo(field);
        field[digits.Length] = 0;
    }
}
