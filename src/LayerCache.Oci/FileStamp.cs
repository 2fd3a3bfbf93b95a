namespace LayerCache.Oci;

/// <summary>
/// What identifies a file's content without reading it (<see cref="UntrustedFile.Stamp"/>): equal stamps
/// mean the same file, not written since. Any write changes the change time, which no call can set back;
/// a file replaced by a rename has another inode.
/// </summary>
/// <param name="Device">The device the file is on.</param>
/// <param name="Inode">The file's inode.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="ChangeTime">The inode change time, nanoseconds since the epoch (0 where the platform has none).</param>
/// <param name="WriteTime">The modification time, nanoseconds since the epoch.</param>
public readonly record struct FileStamp(ulong Device, ulong Inode, long Size, long ChangeTime, long WriteTime);
