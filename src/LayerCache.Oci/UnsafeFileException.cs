namespace LayerCache.Oci;

/// <summary>
/// A file of a layout or store is not what it must be: a symbolic link, a FIFO, a device, a
/// directory where a file belongs (or a file where a directory belongs). It is never followed or
/// opened; callers treat the content as damaged (a cache miss), like a digest mismatch.
/// </summary>
public class UnsafeFileException : ContentVerificationException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public UnsafeFileException()
        : base("not a regular file")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public UnsafeFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public UnsafeFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="path"/>, which is a <paramref name="kind"/>.</summary>
    public UnsafeFileException(string path, FileKind kind)
        : base($"{path} is {Describe(kind)}, not a regular {(kind == FileKind.Directory ? "file" : "file or directory")} of the store; it is neither followed nor opened")
    {
        Path = path;
        Kind = kind;
    }

    /// <summary>The offending path, when known.</summary>
    public string? Path { get; }

    /// <summary>What the path turned out to be.</summary>
    public FileKind Kind { get; }

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Directory => "a directory",
        FileKind.File => "a regular file",
        FileKind.Missing => "missing",
        _ => "a special file (FIFO, socket or device)",
    };
}
