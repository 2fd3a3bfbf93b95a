namespace LayerCache.Store;

/// <summary>Replaces small files atomically: write a temp file in the store's <c>.tmp/</c>, fsync, rename over.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> so that readers see either the old or
    /// the new file, never a mix, and a crash leaves at worst a stale temp file in <paramref name="tempDirectory"/>.
    /// </summary>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, string tempDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(tempDirectory);
        var temp = Path.Combine(tempDirectory, $"{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken);
                await stream.FlushAsync(cancellationToken);

                // Durable before the rename publishes it: after a power loss the name must not point at an empty file.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes a file, ignoring that it is already gone or cannot be deleted now (a later prune retries).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next prune's temp-file sweep.
        }
    }
}
