using System.Text;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// The store's <c>index.json</c> and what is derived from it: read, read-modify-written under the
/// exclusive index lock, with the stage aliases and <c>SUMMARY</c> refreshed after each change.
/// </summary>
internal sealed class StoreIndexFile(FileSystemBlobStore blobs, EntryReader entries, string lockPath, string summaryPath, TimeSpan lockTimeout)
{
    /// <summary>Path of <c>index.json</c>.</summary>
    public string Path => blobs.Layout.IndexPath;

    /// <summary>Reads <c>index.json</c>.</summary>
    /// <exception cref="StoreCorruptException">It does not parse.</exception>
    public async Task<ImageIndex> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await blobs.Layout.ReadIndexAsync(cancellationToken);
        }
        catch (Exception e) when (e is OciFormatException or ContentVerificationException)
        {
            throw new StoreCorruptException(Path, e.Message, e);
        }
    }

    /// <summary>Read-modify-write; <paramref name="change"/> returns the new document, or null for no change.</summary>
    public Task UpdateAsync(Func<ImageIndex, ImageIndex?> change, CancellationToken cancellationToken) =>
        UpdateAsync(index => Task.FromResult(change(index)), cancellationToken);

    /// <summary>
    /// Read-modify-write of <c>index.json</c> under the exclusive index lock. <paramref name="change"/>
    /// returns the new document, or null for no change. Stage aliases and <c>SUMMARY</c> follow.
    /// </summary>
    public async Task UpdateAsync(Func<ImageIndex, Task<ImageIndex?>> change, CancellationToken cancellationToken)
    {
        await using var indexLock = await FileLock.AcquireAsync(lockPath, exclusive: true, lockTimeout, cancellationToken);
        var index = await ReadAsync(cancellationToken);
        var updated = await change(index);
        if (updated is null)
        {
            return;
        }

        updated = await RefreshAliasesAsync(updated, cancellationToken);
        await blobs.Layout.WriteIndexAsync(updated, cancellationToken);
        await WriteSummaryAsync(updated, cancellationToken);
    }

    /// <summary>Writes <c>SUMMARY</c> for <paramref name="index"/> unless it already says exactly that.</summary>
    public async Task WriteSummaryAsync(ImageIndex index, CancellationToken cancellationToken)
    {
        var text = SummaryFile.Render(IndexEditor.Entries(index));
        try
        {
            if (UntrustedFile.GetKind(summaryPath) == FileKind.File
                && Encoding.UTF8.GetString(await DocumentReader.ReadFileAsync(summaryPath, cancellationToken)) == text)
            {
                return;
            }
        }
        catch (Exception e) when (e is IOException or OciFormatException)
        {
            // Unreadable, too large, or not a regular file: the rename below replaces it (a link itself, never its target).
        }

        await AtomicFile.WriteAsync(summaryPath, Encoding.UTF8.GetBytes(text), blobs.TempDirectory, cancellationToken);
    }

    /// <summary>Points the stage aliases of each scope at its newest entry; aliases of other entries go.</summary>
    private async Task<ImageIndex> RefreshAliasesAsync(ImageIndex index, CancellationToken cancellationToken)
    {
        var newest = IndexEditor.NewestByScope(IndexEditor.Entries(index));
        var manifests = index.Manifests.Where(d => !IndexEditor.IsAlias(d)).ToList();
        var taken = new HashSet<string>(
            manifests.Select(d => d.GetAnnotation(AnnotationKeys.RefName)).OfType<string>(),
            StringComparer.Ordinal);
        foreach (var (scope, entry) in newest.OrderBy(p => p.Key))
        {
            var current = index.Manifests
                .Where(d => IndexEditor.IsAlias(d) && d.GetAnnotation(StoreAnnotations.Scope) == scope.Value && d.GetAnnotation(StoreAnnotations.Entry) == entry.Id.Value)
                .ToList();
            if (current.Count == 0)
            {
                var loaded = await entries.TryLoadAsync(entry, cancellationToken);
                current = loaded is null ? [] : [.. IndexEditor.Aliases(loaded)];
            }

            // A scope with dots plus a stage name can spell another scope's alias; the first keeps it.
            foreach (var alias in current)
            {
                if (taken.Add(alias.GetAnnotation(AnnotationKeys.RefName)!))
                {
                    manifests.Add(alias);
                }
            }
        }

        return index with { Manifests = manifests };
    }
}
