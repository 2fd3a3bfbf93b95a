using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LayerCache.Oci;

/// <summary>
/// Opens files of a directory that someone else may have written (a store restored from a CI cache)
/// as <c>lstat</c>/<c>O_NOFOLLOW</c> would: a symbolic link is never followed, a FIFO or device
/// never opened for reading (it could block for ever or never end), a directory never taken for a
/// file. On Linux the open itself is <c>O_NOFOLLOW|O_NONBLOCK</c> and the type is checked on the
/// opened descriptor, so swapping a file between check and open gains nothing; elsewhere the check
/// is a <c>lstat</c>-equivalent before a normal open.
/// </summary>
public static class UntrustedFile
{
    /// <summary>The <see cref="FileStamp"/> of an open file: on Linux from <c>statx</c> on its descriptor.</summary>
    public static FileStamp Stamp(FileStream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (OperatingSystem.IsLinux())
        {
            return LinuxFileCalls.Stamp((int)file.SafeFileHandle.DangerousGetHandle());
        }

        return new FileStamp(0, 0, file.Length, 0, File.GetLastWriteTimeUtc(file.SafeFileHandle).Ticks * 100);
    }

    /// <summary>What <paramref name="path"/> is, without following a link.</summary>
    public static FileKind GetKind(string path) => Describe(path).Kind;

    /// <summary>What <paramref name="path"/> is, and its size when it is a regular file.</summary>
    public static (FileKind Kind, long Size) Describe(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsLinux())
        {
            return LinuxFileCalls.DescribePath(path);
        }

        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return (FileKind.SymbolicLink, 0);
        }

        if (info.Exists)
        {
            return (FileKind.File, info.Length);
        }

        return Directory.Exists(path) ? (FileKind.Directory, 0) : (FileKind.Missing, 0);
    }

    /// <summary>Throws unless <paramref name="path"/> is a real directory (not a link to one) or, when <paramref name="mayBeMissing"/>, absent.</summary>
    /// <exception cref="UnsafeFileException">It is something else.</exception>
    public static void RequireDirectory(string path, bool mayBeMissing)
    {
        var kind = GetKind(path);
        if (kind != FileKind.Directory && !(mayBeMissing && kind == FileKind.Missing))
        {
            throw new UnsafeFileException(path, kind);
        }
    }

    /// <summary>Throws unless <paramref name="path"/> is a regular file or absent.</summary>
    /// <exception cref="UnsafeFileException">It is a link, a directory or a special file.</exception>
    public static void RequireFileOrMissing(string path)
    {
        var kind = GetKind(path);
        if (kind is not (FileKind.File or FileKind.Missing))
        {
            throw new UnsafeFileException(path, kind);
        }
    }

    /// <summary>Opens the regular file <paramref name="path"/> for reading.</summary>
    /// <exception cref="FileNotFoundException">Nothing is there.</exception>
    /// <exception cref="UnsafeFileException">It is a link, a directory or a special file.</exception>
    public static FileStream OpenRead(string path)
    {
        var handle = Open(path, create: false);
        try
        {
            return new FileStream(handle, FileAccess.Read, 1 << 16, isAsync: false);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens (creating when missing) the regular file <paramref name="path"/> read-only, for a lock:
    /// never through a link, so a lock file cannot make us create a file elsewhere.
    /// </summary>
    /// <exception cref="UnsafeFileException">It is a link, a directory or a special file.</exception>
    /// <exception cref="IOException">It cannot be opened or created (read-only file system, permissions).</exception>
    public static SafeFileHandle OpenOrCreateForLock(string path) => Open(path, create: true);

    /// <summary>Tries to take a <c>flock</c> on a handle from <see cref="OpenOrCreateForLock"/> without waiting; false when another process holds it.</summary>
    public static bool TryLock(SafeFileHandle handle, bool exclusive, string path)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!OperatingSystem.IsLinux())
        {
            // Elsewhere .NET's own FileShare locking is used (see FileLock); nothing to do here.
            return true;
        }

        while (true)
        {
            if (LinuxFileCalls.Flock((int)handle.DangerousGetHandle(), (exclusive ? LinuxFileCalls.LOCK_EX : LinuxFileCalls.LOCK_SH) | LinuxFileCalls.LOCK_NB) == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == LinuxFileCalls.EAGAIN)
            {
                return false;
            }

            if (errno != LinuxFileCalls.EINTR)
            {
                throw new IOException($"{path}: cannot lock: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    private static SafeFileHandle Open(string path, bool create)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux())
        {
            var kind = GetKind(path);
            if (kind == FileKind.Missing && !create)
            {
                throw new FileNotFoundException($"{path} not found", path);
            }

            if (kind is not (FileKind.File or FileKind.Missing))
            {
                throw new UnsafeFileException(path, kind);
            }

            return File.OpenHandle(path, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }

        // Refuse what is visibly not a regular file before opening: opening some devices has effects.
        var before = LinuxFileCalls.DescribePath(path).Kind;
        if (before is not (FileKind.File or FileKind.Missing))
        {
            throw new UnsafeFileException(path, before);
        }

        var fd = LinuxFileCalls.OpenNoFollow(path, create);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                LinuxFileCalls.ENOENT or LinuxFileCalls.ENOTDIR => new FileNotFoundException($"{path} not found", path),
                LinuxFileCalls.ELOOP => new UnsafeFileException(path, FileKind.SymbolicLink),
                LinuxFileCalls.EROFS => new IOException($"{path}: the file system is read-only"),
                _ => new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}"),
            };
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            // Checked on the descriptor: whatever was swapped in after the check above, this is what we read.
            var (kind, _) = LinuxFileCalls.Describe(fd);
            if (kind != FileKind.File)
            {
                throw new UnsafeFileException(path, kind);
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
