using System.Runtime.InteropServices;

namespace LayerCache.Core.Inputs;

/// <summary>
/// libc calls the BCL does not expose: an <c>open(2)</c> that cannot block on a FIFO
/// (<c>O_NONBLOCK</c>), and the file type of an open descriptor (<c>statx(2)</c>, whose layout is the
/// same on every Linux architecture, unlike <c>struct stat</c>).
/// </summary>
internal static partial class NativeMethods
{
    // Octal 04000 and 02000000: the same on x86-64 and the generic (arm64) ABI.
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    public const int AtEmptyPath = 0x1000;
    public const uint StatxType = 0x1;

    public const int FileTypeMask = 0xF000;
    public const int RegularFile = 0x8000;
    public const int DirectoryFile = 0x4000;
    public const int FifoFile = 0x1000;
    public const int CharacterDevice = 0x2000;
    public const int BlockDevice = 0x6000;
    public const int SocketFile = 0xC000;

    /// <summary>Size of <c>struct statx</c>; <c>stx_mode</c> is the 16-bit field at offset 28.</summary>
    public const int StatxSize = 256;
    public const int StatxModeOffset = 28;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    public const int AtSymlinkNoFollow = 0x100;

    /// <summary>STATX_BASIC_STATS: type, mode, nlink, uid, gid, times, ino, size, blocks.</summary>
    public const uint StatxBasicStats = 0x7ff;

    public const int FileTypeSymlink = 0xA000;

    // struct statx offsets (include/uapi/linux/stat.h), the same on every architecture.
    public const int StatxNlinkOffset = 16;
    public const int StatxUidOffset = 20;
    public const int StatxGidOffset = 24;
    public const int StatxInoOffset = 32;
    public const int StatxSizeOffset = 40;
    public const int StatxRdevMajorOffset = 128;
    public const int StatxRdevMinorOffset = 132;
    public const int StatxDevMajorOffset = 136;
    public const int StatxDevMinorOffset = 140;

    /// <summary>O_NOFOLLOW: 0400000 on x86, 0100000 in the generic ABI (arm64) and on arm.</summary>
    public static int ONoFollow => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 0x20000 : 0x8000;

    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ReadLink(string path, [Out] byte[] buffer, nint size);

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ListXattr(string path, [Out] byte[]? buffer, nint size);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint GetXattr(string path, string name, [Out] byte[]? buffer, nint size);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint SysRealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);

    /// <summary><c>realpath(3)</c>: the canonical path with every symlink resolved, or null when it cannot be resolved.</summary>
    public static string? RealPath(string path)
    {
        var result = SysRealPath(path, 0);
        if (result == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            Free(result);
        }
    }
}
