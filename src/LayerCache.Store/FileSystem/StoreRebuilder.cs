using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// Makes a damaged store usable again for a save (<see cref="FileSystemCacheStoreOptions.Heal"/>):
/// links and special files where the layout has directories and files are unlinked (never followed),
/// an unreadable or unknown-version <c>oci-layout</c> and an unreadable <c>index.json</c> are replaced
/// by fresh ones. Blobs stay (they are content-addressed and verified on every read); the next prune
/// collects those no entry references. Nothing outside the store directory is read or changed.
/// </summary>
internal static class StoreRebuilder
{
    public static async Task RebuildAsync(string directory, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        // The lock files themselves first: a link or FIFO there would stop the lock below.
        foreach (var name in (string[])[FileSystemCacheStore.IndexLockFileName, FileSystemCacheStore.GcLockFileName, FileSystemCacheStore.SummaryFileName])
        {
            RemoveUnlessRegular(Path.Combine(directory, name));
        }

        await using var indexLock = await FileLock.AcquireAsync(Path.Combine(directory, FileSystemCacheStore.IndexLockFileName), exclusive: true, lockTimeout, cancellationToken);
        OciLayout.RemoveUnsafeEntries(directory);
        try
        {
            await OciLayout.OpenAsync(directory, cancellationToken);
        }
        catch (OciFormatException)
        {
            // Unreadable or a version we do not know: the index it describes cannot be trusted either.
            File.Delete(Path.Combine(directory, OciLayout.LayoutFileName));
            File.Delete(Path.Combine(directory, OciLayout.IndexFileName));
        }

        var layout = await OciLayout.OpenOrCreateAsync(directory, cancellationToken);
        try
        {
            await layout.ReadIndexAsync(cancellationToken);
        }
        catch (OciFormatException)
        {
            await layout.WriteIndexAsync(ImageIndex.Empty, cancellationToken);
        }
    }

    private static void RemoveUnlessRegular(string path)
    {
        switch (UntrustedFile.GetKind(path))
        {
            case FileKind.Directory:
                Directory.Delete(path, recursive: true);
                break;
            case FileKind.SymbolicLink or FileKind.Special:
                // Unlinks the link or FIFO itself; its target is never touched.
                File.Delete(path);
                break;
        }
    }
}
