using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LayerCache.Core.Inputs;

/// <summary>
/// Files the user names (<c>-f</c>, <c>--key-file</c>, <c>.dockerignore</c>): opened so that a FIFO cannot
/// block the open, refused unless regular (a FIFO, <c>/dev/zero</c> or a directory would hang or never
/// end), and read within a bound when read whole. Each refusal is bad input: one line, exit 2.
/// </summary>
public static class InputFile
{
    /// <summary>The most a Dockerfile or <c>.dockerignore</c> may hold (generated Dockerfiles stay far below it).</summary>
    public const int MaxDocumentBytes = 4 * 1024 * 1024;

    /// <summary>Opens a regular file for reading.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file is, for the error line (<c>Dockerfile</c>, <c>--key-file</c>).</param>
    /// <exception cref="InvalidInputException">Missing, unreadable, or not a regular file.</exception>
    public static FileStream OpenRegular(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!OperatingSystem.IsLinux())
        {
            // statx and these open flags are Linux's; elsewhere the BCL's checks are what there is.
            return OpenPortable(path, what);
        }

        var fd = NativeMethods.Open(path, NativeMethods.OCloExec | NativeMethods.ONonBlock, 0);
        if (fd < 0)
        {
            throw OpenFailed(path, what, Marshal.GetLastPInvokeError());
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var status = new byte[NativeMethods.StatxSize];
            if (NativeMethods.Statx(fd, string.Empty, NativeMethods.AtEmptyPath, NativeMethods.StatxType, status) != 0)
            {
                throw new InvalidInputException($"{path}: cannot read the {what}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            var type = BinaryPrimitives.ReadUInt16LittleEndian(status.AsSpan(NativeMethods.StatxModeOffset)) & NativeMethods.FileTypeMask;
            if (type != NativeMethods.RegularFile)
            {
                throw new InvalidInputException($"{path}: the {what} is {Describe(type)}, not a regular file");
            }

            // O_NONBLOCK has no effect on a regular file's reads, so the stream behaves as any other.
            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a regular file whole, refusing one larger than <paramref name="maxBytes"/>.</summary>
    /// <exception cref="InvalidInputException">Missing, unreadable, not a regular file, or too large.</exception>
    public static async Task<byte[]> ReadAllBytesAsync(string path, string what, int maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = OpenRegular(path, what);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(chunk, cancellationToken);
            }
            catch (IOException e)
            {
                throw new InvalidInputException($"{path}: cannot read the {what}: {e.Message}", e);
            }

            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > maxBytes)
            {
                throw new InvalidInputException($"{path}: the {what} is larger than {maxBytes / (1024 * 1024)} MiB");
            }

            buffer.Write(chunk, 0, read);
        }
    }

    private static FileStream OpenPortable(string path, string what)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidInputException($"{path}: {what} not found", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InvalidInputException($"{path}: cannot read the {what}: {e.Message}", e);
        }
    }

    private static InvalidInputException OpenFailed(string path, string what, int errno) => errno switch
    {
        2 or 20 => new InvalidInputException($"{path}: {what} not found"), // ENOENT, ENOTDIR
        _ => new InvalidInputException($"{path}: cannot read the {what}: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

    private static string Describe(int type) => type switch
    {
        NativeMethods.DirectoryFile => "a directory",
        NativeMethods.FifoFile => "a FIFO (named pipe)",
        NativeMethods.CharacterDevice => "a character device",
        NativeMethods.BlockDevice => "a block device",
        NativeMethods.SocketFile => "a socket",
        _ => "a special file",
    };
}
