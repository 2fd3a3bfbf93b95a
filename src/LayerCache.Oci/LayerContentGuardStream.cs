using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace LayerCache.Oci;

/// <summary>
/// A read-through wrapper for a stored layer on its way to the engine, which refuses content the
/// engine would inflate: bytes the engine writes to its data root are then bounded by the bytes we
/// stream (the descriptor's verified size).
/// </summary>
/// <remarks>
/// <para>
/// Why the bound holds: the engine decompresses a layer whose first bytes are a gzip, bzip2, xz or
/// zstd magic, and its tar reader (Go's archive/tar) expands sparse entries (typeflag <c>S</c>,
/// PAX <c>GNU.sparse.*</c> records) into full files. With both refused, what is left is an
/// uncompressed, non-sparse tar, which extracts to at most its own size plus metadata: every
/// file's data is stored in full in the stream, and everything else (directories, links, device
/// nodes, attributes) is described by header blocks that are themselves in the stream. The
/// metadata term is bounded too: each entry costs at least one 512-byte header, and the
/// filesystem spends at most an inode and a block on it, so even a tar of nothing but empty
/// directories stays within a small constant factor (a 4 KiB block per 512-byte header) of the
/// streamed size, where a compressed or sparse one is unbounded (230x, or terabytes). A store keeps
/// a layer either as the engine's own uncompressed export (digest == DiffId) or gzip-compressed with
/// a gzip media type (the store policy of a registry): the latter is
/// inflated by layercache itself, under a stated bound, by <see cref="InflatedLayerStream"/>, which
/// passes the inflated tar through this guard, so the engine still receives only plain tars. A
/// compressed or sparse tar found here is therefore foreign: a hostile or broken store, never ours.
/// </para>
/// <para>
/// The guard parses the header stream as it passes, in the same way as Go's reader (512-byte blocks,
/// ustar/GNU/PAX, octal and base-256 sizes, <c>x</c>/<c>g</c> PAX headers, <c>L</c>/<c>K</c> GNU
/// long names), buffering at most one header block or one PAX header (bounded to
/// <see cref="MaxPaxHeaderSize"/>); file data passes through by counting. Where tar readers differ
/// in how much data follows a header (a header-only type with a size, a PAX size disagreeing with
/// a non-zero header size, a legacy directory with a size), the guard refuses the layer instead of guessing,
/// because a guess that differs from the engine's could hide a header inside what the guard counts
/// as data. A bad header checksum, a truncated header or data, or a block after a single zero block
/// is refused as malformed. Every refusal is a <see cref="LayerContentRefusedException"/>, thrown
/// before the stream ends, so the consumer (a <c>docker load</c> upload) is aborted and the engine
/// registers nothing.
/// </para>
/// </remarks>
public sealed class LayerContentGuardStream : InspectingReadStream
{
    /// <summary>The largest PAX extended header accepted (Go's reader refuses larger ones too).</summary>
    public const int MaxPaxHeaderSize = 1024 * 1024;

    private const int BlockSize = 512;

    private readonly byte[] _block = new byte[BlockSize];
    private int _blockFill;
    private State _state = State.Header;
    private long _skip;
    private byte[]? _pax;
    private int _paxFill;
    private long _paxPadding;
    private bool _paxIsGlobal;
    private long? _pendingPaxSize;
    private bool _pendingMeta;
    private bool _sawZeroBlock;
    private long _position;
    private long _headerOffset;

    /// <summary>Wraps <paramref name="inner"/>, the layer's tar stream.</summary>
    /// <param name="inner">The layer content (normally a verifying stream over the stored blob).</param>
    /// <param name="layer">The layer blob's digest, recorded in the exception so the blob can be quarantined.</param>
    /// <param name="source">Names the layer in error messages.</param>
    /// <param name="leaveOpen">Keep <paramref name="inner"/> open when this stream is disposed.</param>
    public LayerContentGuardStream(Stream inner, Digest? layer = null, string? source = null, bool leaveOpen = false)
        : base(inner, leaveOpen)
    {
        Layer = layer;
        Source = source;
    }

    private enum State
    {
        Header,
        Data,
        Pax,
        End,
    }

    /// <summary>The layer blob's digest, if given.</summary>
    public Digest? Layer { get; }

    /// <summary>Names the layer in error messages.</summary>
    public string? Source { get; }

    /// <summary>True once the tar's end-of-archive marker (two zero blocks) has passed.</summary>
    public bool ReachedEndOfArchive => _state == State.End;

    /// <inheritdoc/>
    public override long Length => Inner.Length;

    /// <inheritdoc/>
    protected override long BytesPassed => _position;

    /// <inheritdoc/>
    protected override int Inspect(ReadOnlySpan<byte> data, int requested)
    {
        if (data.Length == 0)
        {
            if (requested > 0)
            {
                AtEndOfStream();
            }

            return 0;
        }

        var rest = data;
        while (rest.Length > 0 && _state != State.End)
        {
            switch (_state)
            {
                case State.Header:
                {
                    var n = Math.Min(BlockSize - _blockFill, rest.Length);
                    rest[..n].CopyTo(_block.AsSpan(_blockFill));
                    _blockFill += n;
                    _position += n;
                    rest = rest[n..];
                    if (_blockFill == BlockSize)
                    {
                        _blockFill = 0;
                        _headerOffset = _position - BlockSize;
                        OnHeaderBlock();
                    }

                    break;
                }

                case State.Data:
                {
                    // The hot path: file data is only counted.
                    var n = (int)Math.Min(_skip, rest.Length);
                    _skip -= n;
                    _position += n;
                    rest = rest[n..];
                    if (_skip == 0)
                    {
                        _state = State.Header;
                    }

                    break;
                }

                case State.Pax:
                {
                    var n = Math.Min(_pax!.Length - _paxFill, rest.Length);
                    rest[..n].CopyTo(_pax.AsSpan(_paxFill));
                    _paxFill += n;
                    _position += n;
                    rest = rest[n..];
                    if (_paxFill == _pax.Length)
                    {
                        OnPaxHeader(_pax);
                        _pax = null;
                        _skip = _paxPadding;
                        _state = _skip > 0 ? State.Data : State.Header;
                    }

                    break;
                }
            }
        }

        // After the end-of-archive marker the engine's reader stops; what follows is never extracted.
        _position += rest.Length;
        return data.Length;
    }

    private void AtEndOfStream()
    {
        if (_state == State.End)
        {
            return;
        }

        if (_position == 0)
        {
            return; // An empty blob is an empty tar to Go's reader: nothing to extract.
        }

        if (_position < BlockSize && _blockFill > 0)
        {
            CheckMagic(_block.AsSpan(0, _blockFill));
        }

        if (_state == State.Header && _blockFill == 0)
        {
            return; // Go's reader accepts an archive that ends on a block boundary without its marker.
        }

        Refuse(_state switch
        {
            State.Header => "the tar stream ends inside a header block",
            State.Pax => "the tar stream ends inside a PAX header",
            _ => "the tar stream ends inside an entry's data",
        });
    }

    private void OnHeaderBlock()
    {
        if (_headerOffset == 0)
        {
            CheckMagic(_block);
        }

        if (_block.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            if (_sawZeroBlock)
            {
                _state = State.End;
            }

            _sawZeroBlock = true;
            return;
        }

        if (_sawZeroBlock)
        {
            Refuse("a header follows a single zero block");
        }

        CheckChecksum();
        var typeflag = (char)_block[156];
        var size = ParseNumeric(_block.AsSpan(124, 12), "size");
        if (size < 0)
        {
            Refuse($"negative size {size}");
        }

        switch (typeflag)
        {
            case 'S':
                Refuse("a GNU sparse entry (the engine would expand its holes)");
                break;

            case 'x' or 'g':
                if (size > MaxPaxHeaderSize)
                {
                    Refuse($"a PAX header of {size} bytes (more than {MaxPaxHeaderSize})");
                }

                _paxIsGlobal = typeflag == 'g';
                _paxPadding = Padding(size);
                if (size == 0)
                {
                    OnPaxHeader([]);
                    StartData(_paxPadding);
                }
                else
                {
                    _pax = new byte[size];
                    _paxFill = 0;
                    _state = State.Pax;
                }

                break;

            case 'L' or 'K':
                if (size > MaxPaxHeaderSize)
                {
                    Refuse($"a GNU long name of {size} bytes (more than {MaxPaxHeaderSize})");
                }

                _pendingMeta = true;
                StartData(size + Padding(size));
                break;

            default:
                var effective = _pendingPaxSize ?? size;
                if (_pendingPaxSize is { } paxSize && size != 0 && paxSize != size)
                {
                    // Writers put a size too big for the header in a PAX record and 0 in the header
                    // (Go's writer does); two different sizes is ambiguous.
                    Refuse($"its PAX size {paxSize} differs from its header's size {size}");
                }

                if (typeflag is >= '1' and <= '6' && effective != 0)
                {
                    // Go's reader reads no data for these types; another reader might: refuse the ambiguity.
                    Refuse($"a header-only entry (type '{typeflag}') declares {effective} bytes of data");
                }

                if (typeflag == '\0' && effective != 0 && (_pendingMeta || NameEndsWithSlash()))
                {
                    // A legacy entry is a directory (no data) when its final name ends in '/'.
                    Refuse("a legacy entry with data whose name may make it a directory");
                }

                _pendingPaxSize = null;
                _pendingMeta = false;
                StartData(typeflag is >= '1' and <= '6' ? 0 : effective + Padding(effective));
                break;
        }
    }

    private void StartData(long length)
    {
        _skip = length;
        _state = length > 0 ? State.Data : State.Header;
    }

    private void OnPaxHeader(ReadOnlySpan<byte> records)
    {
        // Belt and braces: any mention of the sparse keys is refused, however the records parse.
        if (records.IndexOf("GNU.sparse"u8) >= 0)
        {
            Refuse("a PAX header with GNU.sparse records (the engine would expand its holes)");
        }

        long? size = null;
        var rest = records;
        while (rest.Length > 0)
        {
            var space = rest.IndexOf((byte)' ');
            long length = 0;
            if (space <= 0 || !long.TryParse(rest[..space], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length)
                || length < 5 || length > rest.Length || space + 1 > length - 1 || rest[(int)length - 1] != (byte)'\n')
            {
                Refuse("a malformed PAX record");
            }

            var record = rest[(space + 1)..(int)(length - 1)];
            var equals = record.IndexOf((byte)'=');
            if (equals < 0)
            {
                Refuse("a malformed PAX record");
            }

            if (record[..equals].SequenceEqual("size"u8))
            {
                if (!long.TryParse(record[(equals + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
                {
                    Refuse("a PAX size that is not a non-negative number");
                }

                size = value;
            }

            rest = rest[(int)length..];
        }

        // A global header describes itself only (Go's reader does not carry it to later entries);
        // an extended header applies to the next entry, replacing an earlier one.
        if (!_paxIsGlobal)
        {
            _pendingPaxSize = size;
            _pendingMeta = true;
        }
        else
        {
            _pendingPaxSize = null;
            _pendingMeta = false;
        }
    }

    private void CheckMagic(ReadOnlySpan<byte> first)
    {
        if (first.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]))
        {
            Refuse("gzip-compressed content in a layer its media type calls uncompressed (the engine would inflate it)");
        }

        if (first.StartsWith("BZh"u8))
        {
            Refuse("bzip2-compressed content in a layer its media type calls uncompressed (the engine would inflate it)");
        }

        if (first.StartsWith((ReadOnlySpan<byte>)[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
        {
            Refuse("xz-compressed content in a layer its media type calls uncompressed (the engine would inflate it)");
        }

        if (first.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd])
            || (first.Length >= 4 && (first[0] & 0xf0) == 0x50 && first[1] == 0x2a && first[2] == 0x4d && first[3] == 0x18))
        {
            Refuse("zstd-compressed content in a layer its media type calls uncompressed (the engine would inflate it)");
        }
    }

    private void CheckChecksum()
    {
        // Like Go's reader: the field is octal; the sum is over the block with the field as spaces,
        // and either an unsigned or a signed (historic) sum is accepted.
        var recorded = ParseNumeric(_block.AsSpan(148, 8), "checksum");
        long unsigned = 0, signed = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : _block[i];
            unsigned += b;
            signed += (sbyte)b;
        }

        if (recorded != unsigned && recorded != signed)
        {
            Refuse($"a tar header with a bad checksum (recorded {recorded}, computed {unsigned})");
        }
    }

    private long ParseNumeric(ReadOnlySpan<byte> field, string name)
    {
        if (field[0] >= 0x80)
        {
            // Base-256: big-endian two's complement, the top bit a marker.
            if ((field[0] & 0x40) != 0)
            {
                Refuse($"a negative base-256 {name}");
            }

            ulong value = 0;
            for (var i = 0; i < field.Length; i++)
            {
                var b = i == 0 ? (byte)(field[i] & 0x7f) : field[i];
                if ((value >> 56) != 0)
                {
                    Refuse($"an overflowing base-256 {name}");
                }

                value = (value << 8) | b;
            }

            if ((value >> 63) != 0)
            {
                Refuse($"an overflowing base-256 {name}");
            }

            return (long)value;
        }

        var text = field.Trim((ReadOnlySpan<byte>)[(byte)' ', 0]);
        var nul = text.IndexOf((byte)0);
        if (nul >= 0)
        {
            text = text[..nul];
        }

        long result = 0;
        foreach (var c in text)
        {
            if (c is < (byte)'0' or > (byte)'7' || result > (long.MaxValue >> 3))
            {
                Refuse($"a malformed octal {name} field \"{Encoding.ASCII.GetString(field)}\"");
            }

            result = (result << 3) | (long)(c - '0');
        }

        return result;
    }

    private bool NameEndsWithSlash()
    {
        var name = _block.AsSpan(0, 100);
        var nul = name.IndexOf((byte)0);
        if (nul >= 0)
        {
            name = name[..nul];
        }

        return name.Length > 0 && name[^1] == (byte)'/';
    }

    private static long Padding(long size) => (BlockSize - (size % BlockSize)) % BlockSize;

    [DoesNotReturn]
    private void Refuse(string reason) => Fail(new LayerContentRefusedException(Layer, Source, _headerOffset, reason));
}
