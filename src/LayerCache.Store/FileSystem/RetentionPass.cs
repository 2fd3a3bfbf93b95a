using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>
/// The first half of a prune: decides which entries leave <c>index.json</c> — broken ones (an
/// unreadable index blob, a blob gone missing, annotations that do not parse) and those the
/// <see cref="RetentionPolicy"/> does not keep. Run inside <see cref="StoreIndexFile.UpdateAsync(Func{ImageIndex, Task{ImageIndex}}, CancellationToken)"/>;
/// the results are read after it returns.
/// </summary>
internal sealed class RetentionPass(EntryReader entries, ContentGraph graph, RetentionPolicy policy, DateTimeOffset now)
{
    /// <summary>The entries the policy dropped, newest first.</summary>
    public List<CacheEntry> Removed { get; } = [];

    /// <summary>Ref names of the broken entries dropped.</summary>
    public List<string> Broken { get; } = [];

    /// <summary>How many entries remain.</summary>
    public int Kept { get; private set; }

    /// <summary>The index without the dropped entries, or null when nothing is dropped.</summary>
    public async Task<ImageIndex?> ApplyAsync(ImageIndex index, CancellationToken cancellationToken)
    {
        Removed.Clear();
        Broken.Clear();
        var indexed = IndexEditor.Entries(index);
        var loaded = new List<CacheEntry>();
        var drop = new HashSet<Digest>();
        var present = new Dictionary<Digest, long?>();
        foreach (var item in indexed)
        {
            var entry = await entries.TryLoadAsync(item, cancellationToken);

            // An entry that lost a blob (a restore removed it as corrupt, or someone deleted it)
            // can never be restored again: drop it, or verify would fail on it for ever.
            if (entry is null || !await graph.IsCompleteAsync(item.Descriptor, present, cancellationToken))
            {
                Broken.Add(item.RefName);
                drop.Add(item.Id);
            }
            else
            {
                loaded.Add(entry);
            }
        }

        // Entry descriptors whose annotations do not even parse are as unusable as broken blobs.
        foreach (var descriptor in index.Manifests.Where(d => IndexEditor.IsEntry(d) && indexed.All(e => !ReferenceEquals(e.Descriptor, d))))
        {
            Broken.Add(descriptor.GetAnnotation(AnnotationKeys.RefName) ?? descriptor.Digest.Value);
            drop.Add(descriptor.Digest);
        }

        var survivors = await Retention.ApplyAsync(policy, now, loaded, graph, cancellationToken);
        foreach (var entry in loaded)
        {
            if (!survivors.Contains(entry.Id))
            {
                Removed.Add(entry);
                drop.Add(entry.Id);
            }
        }

        Kept = loaded.Count - Removed.Count;
        Removed.Sort((a, b) => IndexEditor.CompareNewestFirst(a.Created, a.Id, b.Created, b.Id));
        return drop.Count == 0
            ? null
            : index with { Manifests = [.. index.Manifests.Where(d => !(IndexEditor.IsEntry(d) && drop.Contains(d.Digest)))] };
    }
}
