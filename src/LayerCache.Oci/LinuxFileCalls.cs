using System.Runtime.InteropServices;

namespace LayerCache.Oci;

/// <summary>
/// The few Linux calls .NET does not expose: <c>open</c> with <c>O_NOFOLLOW|O_NONBLOCK</c>,
/// <c>statx</c> (file type without following a link, on a path or an open descriptor) and
/// <c>flock</c> on such a descriptor. <c>statx</c> rather than <c>stat</c> because its layout is the
/// same on every architecture.
/// </summary>
internal static partial class LinuxFileCalls
{
    public const int ENOENT = 2;
    public const int EAGAIN = 11;
    public const int ENOTDIR = 20;
    public const int EROFS = 30;
    public const int ELOOP = 40;
    public const int EINTR = 4;

    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;

    private const int O_RDONLY = 0;
    private const int O_CREAT = 0x40;
    private const int O_NONBLOCK = 0x800;
    private const int O_CLOEXEC = 0x80000;
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE = 0x1;
    private const uint STATX_SIZE = 0x200;
    private const uint STATX_MTIME = 0x40;
    private const uint STATX_CTIME = 0x80;
    private const uint STATX_INO = 0x100;
    private const int S_IFMT = 0xF000;
    private const int S_IFREG = 0x8000;
    private const int S_IFDIR = 0x4000;
    private const int S_IFLNK = 0xA000;

    // O_NOFOLLOW differs between the generic and the ARM ABIs.
    private static readonly int O_NOFOLLOW =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x8000 : 0x20000;

    /// <summary>Opens <paramref name="path"/> read-only, never following a final link and never blocking (a FIFO opens at once); −1 and errno on failure.</summary>
    public static int OpenNoFollow(string path, bool create) =>
        Open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), create ? 0x1A4 /* 0644 */ : 0);

    /// <summary>The kind and size of an open descriptor.</summary>
    public static (FileKind Kind, long Size) Describe(int fd) => Stat(fd, string.Empty, AT_EMPTY_PATH);

    /// <summary>The kind and size of a path, not following a final link.</summary>
    public static (FileKind Kind, long Size) DescribePath(string path) => Stat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);

    /// <summary>
    /// What identifies an open file's current content without reading it: device, inode, size, and
    /// the change and modification times (the change time cannot be set back by any write).
    /// </summary>
    public static FileStamp Stamp(int fd)
    {
        const uint mask = STATX_SIZE | STATX_INO | STATX_CTIME | STATX_MTIME;
        if (Statx(fd, string.Empty, AT_EMPTY_PATH, mask, out var buffer) != 0)
        {
            throw new IOException($"statx: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        return new FileStamp(((ulong)buffer.DevMajor << 32) | buffer.DevMinor, buffer.Inode, (long)buffer.Size, buffer.ChangeTime.TotalNanoseconds, buffer.ModifyTime.TotalNanoseconds);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    private static (FileKind Kind, long Size) Stat(int dirfd, string path, int flags)
    {
        if (Statx(dirfd, path, flags, STATX_TYPE | STATX_SIZE, out var buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return (FileKind.Missing, 0);
            }

            throw new IOException($"{(path.Length == 0 ? "statx" : path)}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var kind = (buffer.Mode & S_IFMT) switch
        {
            S_IFREG => FileKind.File,
            S_IFDIR => FileKind.Directory,
            S_IFLNK => FileKind.SymbolicLink,
            _ => FileKind.Special,
        };
        return (kind, (long)buffer.Size);
    }

    /// <summary>The head of <c>struct statx</c> (the kernel's is 256 bytes), up to the device numbers.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint LinkCount;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
        public ushort Spare0;
        public ulong Inode;
        public ulong Size;
        public ulong Blocks;
        public ulong AttributesMask;
        public StatxTimestamp AccessTime;
        public StatxTimestamp BirthTime;
        public StatxTimestamp ChangeTime;
        public StatxTimestamp ModifyTime;
        public uint RdevMajor;
        public uint RdevMinor;
        public uint DevMajor;
        public uint DevMinor;
    }

    /// <summary><c>struct statx_timestamp</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct StatxTimestamp
    {
        public long Seconds;
        public uint Nanoseconds;
        public int Reserved;

        public readonly long TotalNanoseconds => (Seconds * 1_000_000_000) + Nanoseconds;
    }
}
