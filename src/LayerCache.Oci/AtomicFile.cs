namespace LayerCache.Oci;

/// <summary>
/// The one way files of a layout or store are written: to a temp file in the layout's <c>.tmp/</c>,
/// flushed to disk, then renamed over the final name, so a reader sees the old file or the complete
/// new one and a crash leaves at worst a temp file, which <see cref="SweepStale"/> removes.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Creates a new temp file in <paramref name="tempDirectory"/> (created when missing) for
    /// writing; hand it to <see cref="CommitAsync"/> when complete, or <see cref="TryDelete"/> it.
    /// </summary>
    public static FileStream CreateTemp(string tempDirectory, out string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(tempDirectory);

        // A .tmp that is a link would put our writes (and a sweep's deletes) outside the layout.
        UntrustedFile.RequireDirectory(tempDirectory, mayBeMissing: true);
        Directory.CreateDirectory(tempDirectory);
        path = Path.Combine(tempDirectory, "write-" + Guid.NewGuid().ToString("N"));
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = 1 << 16,
        });
    }

    /// <summary>Flushes <paramref name="file"/> to disk, closes it and renames <paramref name="tempPath"/> to <paramref name="path"/>.</summary>
    public static async Task CommitAsync(FileStream file, string tempPath, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        await using (file)
        {
            // fsync before rename: otherwise a crash can leave the final name pointing at empty or partial data.
            // .NET has no asynchronous fsync; Flush(true) after the async flush only waits for the disk.
            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(tempPath, path, overwrite: true);
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically through <paramref name="tempDirectory"/>.</summary>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, string tempDirectory, CancellationToken cancellationToken)
    {
        var file = CreateTemp(tempDirectory, out var temp);
        try
        {
            await using (file)
            {
                await file.WriteAsync(content, cancellationToken);
                await CommitAsync(file, temp, path, cancellationToken);
            }
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Deletes the files in <paramref name="tempDirectory"/> last written before
    /// <paramref name="olderThan"/> ago (debris of killed writers); returns how many went. Only
    /// entries of the directory itself are unlinked, never followed: a link is removed, not its target.
    /// </summary>
    public static int SweepStale(string tempDirectory, TimeSpan olderThan)
    {
        // Only a real directory is swept: a link to one is damage (see OciLayout.CheckTree), not ours to clean.
        if (UntrustedFile.GetKind(tempDirectory) != FileKind.Directory)
        {
            return 0;
        }

        var directory = new DirectoryInfo(tempDirectory);
        var cutoff = DateTime.UtcNow - olderThan;
        var removed = 0;
        foreach (var file in directory.EnumerateFiles())
        {
            if (file.LastWriteTimeUtc < cutoff && TryDelete(file.FullName))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Deletes a file, ignoring that it is already gone or cannot be deleted now (a later sweep retries); true when it is gone.</summary>
    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
