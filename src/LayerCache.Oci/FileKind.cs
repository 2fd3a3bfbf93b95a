namespace LayerCache.Oci;

/// <summary>What a path names, without following a symbolic link (<c>lstat</c>).</summary>
public enum FileKind
{
    /// <summary>Nothing.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    File,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link (never followed).</summary>
    SymbolicLink,

    /// <summary>A FIFO, socket or device: opening or reading it may block or never end.</summary>
    Special,
}
