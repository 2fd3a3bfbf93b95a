using System.Buffers.Binary;
using System.IO.Enumeration;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LayerCache.Core.Context;
using LayerCache.Oci;
using Microsoft.Win32.SafeHandles;

namespace LayerCache.Core.Inputs;

/// <summary>
/// The digest of a build context as the builder sees it: every entry the context sends after the
/// <c>.dockerignore</c> (docker's matching rules), each with its path, type, permission bits, content
/// (regular files), link target (symlinks), device numbers, extended attributes, hard-link group and,
/// when the builder uses them (BuildKit), owner and group. Modification times are left out: neither
/// builder's cache looks at them, so a fresh checkout with new times still builds the very same image.
/// </summary>
/// <remarks>
/// Streamed and bounded: one directory's names at a time, one 1 MiB read buffer, content hashed as it
/// is read. Nothing is followed: entries are examined with <c>statx(AT_SYMLINK_NOFOLLOW)</c>, files
/// opened with <c>O_NOFOLLOW|O_NONBLOCK</c> and checked to be the regular file just examined, so a
/// symlink or a FIFO swapped in is never read through. Special files (FIFOs, devices, sockets) are
/// recorded by type and device numbers, never opened, as docker's tar does. When in doubt the digest
/// holds more than the builder reads: an excluded directory that an exception pattern with a wildcard
/// could reach into is walked (its re-included files count), and the directory itself is recorded.
/// A false "changed" only costs a normal build; a false "unchanged" would ship a wrong image.
/// </remarks>
public static class ContextDigest
{
    private const int BufferSize = 1024 * 1024;

    /// <summary>Computes the digest of <paramref name="context"/>.</summary>
    /// <param name="context">The context directory (symlinks in its own path are resolved, as docker does).</param>
    /// <param name="ignore">The patterns of the .dockerignore the builder uses, or null for none.</param>
    /// <param name="ownership">Whether owner and group count (BuildKit sends them; the classic builder sends everything as 0:0).</param>
    /// <param name="cancellationToken">Cancels the walk.</param>
    /// <exception cref="IOException">An entry could not be read (docker would fail the build too).</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public static Task<ContextDigestResult> ComputeAsync(string context, PatternMatcher? ignore, bool ownership, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the build context digest reads Linux file metadata");
        }

        // The walk is many small system calls: one thread does it start to end, off the caller's.
        return Task.Run(() => new Walker(ignore, ownership, cancellationToken).Run(context), cancellationToken);
    }

    private sealed class Walker(PatternMatcher? ignore, bool ownership, CancellationToken cancellationToken)
    {
        private readonly IncrementalHash _digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly IncrementalHash _content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _buffer = new byte[BufferSize];
        private readonly byte[] _status = new byte[NativeMethods.StatxSize];
        private readonly byte[] _record = new byte[64];
        private readonly Dictionary<(ulong Device, ulong Inode), string> _linked = [];
        private readonly List<string> _exceptions = ignore?.ExclusionPatterns.ToList() ?? [];
        private long _files;
        private long _directories;
        private long _bytes;

        public ContextDigestResult Run(string context)
        {
            var root = NativeMethods.RealPath(Path.GetFullPath(context))
                ?? throw new IOException($"{context}: cannot resolve the build context directory: {LastError()}");
            var status = Stat(root);
            if (status.Type != NativeMethods.DirectoryFile)
            {
                throw new IOException($"{context}: the build context is not a directory");
            }

            Append("layercache-context v1\n"u8);
            Append(ownership ? "ownership\n"u8 : "no-ownership\n"u8);
            Record('d', string.Empty, root, status);
            WalkDirectory(root, string.Empty);
            var digest = Digest.Parse("sha256:" + Convert.ToHexStringLower(_digest.GetHashAndReset()));
            _digest.Dispose();
            _content.Dispose();
            return new ContextDigestResult(digest, _files, _directories, _bytes);
        }

        private void WalkDirectory(string directory, string relative)
        {
            var names = new List<string>(new FileSystemEnumerable<string>(
                directory,
                (ref FileSystemEntry entry) => entry.FileName.ToString(),
                new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0, ReturnSpecialDirectories = false }));
            names.Sort(StringComparer.Ordinal);
            foreach (var name in names)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var path = directory + "/" + name;
                var rel = relative.Length == 0 ? name : relative + "/" + name;
                var status = Stat(path);
                var excluded = ignore is not null && ignore.MatchesOrParentMatches(rel);
                if (status.Type == NativeMethods.DirectoryFile)
                {
                    if (excluded && !MayReinclude(rel))
                    {
                        continue;
                    }

                    // 'D': excluded but walked for an exception; recorded in full all the same (more, not less).
                    Record(excluded ? 'D' : 'd', rel, path, status);
                    _directories++;
                    WalkDirectory(path, rel);
                }
                else if (!excluded)
                {
                    Record(TypeTag(status.Type), rel, path, status);
                }
            }
        }

        /// <summary>
        /// Whether an exception pattern could re-include something under the excluded directory: docker
        /// walks it when a pattern starts with the directory; a pattern with a wildcard is counted too,
        /// since builders differ there and walking more is the safe side.
        /// </summary>
        private bool MayReinclude(string directory)
        {
            var inside = directory + "/";
            return _exceptions.Any(p => (p + "/").StartsWith(inside, StringComparison.Ordinal) || p.AsSpan().IndexOfAny("*?[\\") >= 0);
        }

        private void Record(char tag, string relative, string path, Status status)
        {
            Append([(byte)tag]);
            AppendString(relative);
            Span<byte> fields = _record;
            BinaryPrimitives.WriteUInt32LittleEndian(fields, status.Mode & 0xFFF);
            BinaryPrimitives.WriteUInt32LittleEndian(fields[4..], ownership ? status.Uid : 0);
            BinaryPrimitives.WriteUInt32LittleEndian(fields[8..], ownership ? status.Gid : 0);
            Append(fields[..12]);
            switch (tag)
            {
                case 'f':
                    HashRegularFile(relative, path, status);
                    break;
                case 'l':
                    AppendString(ReadLink(path));
                    _files++;
                    break;
                case 'c' or 'b':
                    BinaryPrimitives.WriteUInt32LittleEndian(fields, status.RdevMajor);
                    BinaryPrimitives.WriteUInt32LittleEndian(fields[4..], status.RdevMinor);
                    Append(fields[..8]);
                    _files++;
                    break;
                case 'd' or 'D':
                    break;
                default:
                    _files++;
                    break;
            }

            AppendXattrs(path);
        }

        private void HashRegularFile(string relative, string path, Status status)
        {
            _files++;
            if (status.Nlink > 1)
            {
                // Hard links are sent as links to the first path of their inode: the grouping is part of what is sent.
                if (_linked.TryGetValue((status.Device, status.Inode), out var first))
                {
                    Append("="u8);
                    AppendString(first);
                }
                else
                {
                    _linked[(status.Device, status.Inode)] = relative;
                }
            }

            var fd = NativeMethods.Open(path, NativeMethods.OCloExec | NativeMethods.ONonBlock | NativeMethods.ONoFollow, 0);
            if (fd < 0)
            {
                throw new IOException($"{path}: cannot read: {LastError()}");
            }

            using var handle = new SafeFileHandle(fd, ownsHandle: true);
            if (NativeMethods.Statx(fd, string.Empty, NativeMethods.AtEmptyPath, NativeMethods.StatxBasicStats, _status) != 0)
            {
                throw new IOException($"{path}: cannot read: {LastError()}");
            }

            var opened = Status.From(_status);
            if (opened.Type != NativeMethods.RegularFile || opened.Inode != status.Inode || opened.Device != status.Device)
            {
                throw new IOException($"{path}: changed while the build context was read");
            }

            long offset = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = RandomAccess.Read(handle, _buffer, offset);
                if (read == 0)
                {
                    break;
                }

                _content.AppendData(_buffer, 0, read);
                offset += read;
            }

            _bytes += offset;
            Span<byte> size = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(size, offset);
            Append(size);
            Append(_content.GetHashAndReset());
        }

        private void AppendXattrs(string path)
        {
            var length = NativeMethods.ListXattr(path, null, 0);
            if (length <= 0)
            {
                // 0: none; -1: the file system has none (ENOTSUP) or the entry went away (the walk's stat caught that).
                return;
            }

            var names = new byte[length];
            length = NativeMethods.ListXattr(path, names, names.Length);
            if (length <= 0)
            {
                return;
            }

            var sorted = Encoding.UTF8.GetString(names, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            Array.Sort(sorted, StringComparer.Ordinal);
            foreach (var name in sorted)
            {
                var size = NativeMethods.GetXattr(path, name, null, 0);
                var value = size > 0 ? new byte[size] : [];
                if (size > 0)
                {
                    size = NativeMethods.GetXattr(path, name, value, value.Length);
                }

                Append("x"u8);
                AppendString(name);
                Append(SHA256.HashData(value.AsSpan(0, (int)Math.Max(size, 0))));
            }
        }

        private static string ReadLink(string path)
        {
            for (var size = 4096; size <= 1024 * 1024; size *= 4)
            {
                var target = new byte[size];
                var length = NativeMethods.ReadLink(path, target, size);
                if (length < 0)
                {
                    throw new IOException($"{path}: cannot read the symlink: {LastError()}");
                }

                if (length < size)
                {
                    return Encoding.UTF8.GetString(target, 0, (int)length);
                }
            }

            throw new IOException($"{path}: the symlink's target is too long");
        }

        private Status Stat(string path)
        {
            if (NativeMethods.Statx(-100, path, NativeMethods.AtSymlinkNoFollow, NativeMethods.StatxBasicStats, _status) != 0)
            {
                // AT_FDCWD (-100) with an absolute path: the path alone decides.
                throw new IOException($"{path}: cannot read: {LastError()}");
            }

            return Status.From(_status);
        }

        private static char TypeTag(int type) => type switch
        {
            NativeMethods.RegularFile => 'f',
            NativeMethods.FileTypeSymlink => 'l',
            NativeMethods.FifoFile => 'p',
            NativeMethods.CharacterDevice => 'c',
            NativeMethods.BlockDevice => 'b',
            NativeMethods.SocketFile => 's',
            _ => '?',
        };

        private void AppendString(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            Append(length);
            Append(bytes);
        }

        private void Append(ReadOnlySpan<byte> bytes) => _digest.AppendData(bytes);

        private static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
    }

    private readonly record struct Status(int Type, uint Mode, uint Uid, uint Gid, uint Nlink, ulong Inode, ulong Device, uint RdevMajor, uint RdevMinor)
    {
        public static Status From(ReadOnlySpan<byte> s)
        {
            var mode = BinaryPrimitives.ReadUInt16LittleEndian(s[NativeMethods.StatxModeOffset..]);
            var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(s[NativeMethods.StatxDevMajorOffset..]) << 32)
                | BinaryPrimitives.ReadUInt32LittleEndian(s[NativeMethods.StatxDevMinorOffset..]);
            return new Status(
                mode & NativeMethods.FileTypeMask,
                mode,
                BinaryPrimitives.ReadUInt32LittleEndian(s[NativeMethods.StatxUidOffset..]),
                BinaryPrimitives.ReadUInt32LittleEndian(s[NativeMethods.StatxGidOffset..]),
                BinaryPrimitives.ReadUInt32LittleEndian(s[NativeMethods.StatxNlinkOffset..]),
                BinaryPrimitives.ReadUInt64LittleEndian(s[NativeMethods.StatxInoOffset..]),
                device,
                BinaryPrimitives.ReadUInt32LittleEndian(s[NativeMethods.StatxRdevMajorOffset..]),
                BinaryPrimitives.ReadUInt32LittleEndian(s[NativeMethods.StatxRdevMinorOffset..]));
        }
    }
}
