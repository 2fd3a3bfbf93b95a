using System.Globalization;
using System.Text.RegularExpressions;
using LayerCache.Oci;

namespace LayerCache.Store;

/// <summary>Pure edits of the store's <c>index.json</c> document: entry descriptors, ref names, stage aliases.</summary>
internal static partial class IndexEditor
{
    /// <summary>True for an entry index descriptor this store wrote.</summary>
    public static bool IsEntry(Descriptor descriptor) => descriptor.GetAnnotation(StoreAnnotations.Kind) == StoreAnnotations.KindEntry;

    /// <summary>True for a derived stage alias.</summary>
    public static bool IsAlias(Descriptor descriptor) => descriptor.GetAnnotation(StoreAnnotations.Kind) == StoreAnnotations.KindStage;

    /// <summary>The entry descriptors whose annotations parse, with their index facts.</summary>
    public static List<IndexedEntry> Entries(ImageIndex index)
    {
        var result = new List<IndexedEntry>();
        foreach (var descriptor in index.Manifests)
        {
            if (IsEntry(descriptor) && IndexedEntry.TryCreate(descriptor, out var entry))
            {
                result.Add(entry);
            }
        }

        return result;
    }

    /// <summary>A ref name for a new entry that no other descriptor in <paramref name="index"/> uses.</summary>
    public static string NewRefName(ImageIndex index, CacheScope scope, DateTimeOffset created, Digest id)
    {
        var name = $"{scope.RefName}.{created.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var taken = index.Manifests.Any(d => d.GetAnnotation(AnnotationKeys.RefName) == name);

        // Two entries of one scope in the same second: the digest keeps the names apart and stable.
        return taken ? $"{name}.{id.Hex[..12]}" : name;
    }

    /// <summary>
    /// Records a restore of <paramref name="entryId"/> at <paramref name="usedAt"/>: the new document, or
    /// null when nothing changes. Last-used only moves forward, except that a value further ahead of
    /// <paramref name="usedAt"/> than clocks can disagree is a lie (see <see cref="EntryDates"/>) and is replaced.
    /// </summary>
    public static ImageIndex? MarkUsed(ImageIndex index, Digest entryId, DateTimeOffset usedAt, out bool found)
    {
        var entry = Entries(index).FirstOrDefault(e => e.Id == entryId);
        found = entry is not null;
        if (entry is null || (entry.LastUsed >= usedAt && !EntryDates.IsInFuture(entry.LastUsed, usedAt)))
        {
            return null;
        }

        var updated = entry.Descriptor.WithAnnotation(StoreAnnotations.LastUsed, Rfc3339JsonConverter.Format(usedAt));
        return index with { Manifests = [.. index.Manifests.Select(d => ReferenceEquals(d, entry.Descriptor) ? updated : d)] };
    }

    /// <summary>Sets the signature of entry <paramref name="entryId"/>: the new document, or null when it is already set (or the entry is gone).</summary>
    public static ImageIndex? Sign(ImageIndex index, Digest entryId, string signature, out bool found)
    {
        var entry = Entries(index).FirstOrDefault(e => e.Id == entryId);
        found = entry is not null;
        if (entry is null || entry.Signature == signature)
        {
            return null;
        }

        var updated = entry.Descriptor.WithAnnotation(StoreAnnotations.Signature, signature);
        return index with { Manifests = [.. index.Manifests.Select(d => ReferenceEquals(d, entry.Descriptor) ? updated : d)] };
    }

    /// <summary>The <c>index.json</c> descriptor of a stored entry.</summary>
    public static Descriptor EntryDescriptor(CacheEntry entry, long indexSize) => new()
    {
        MediaType = MediaType.OciImageIndex,
        Digest = entry.Id,
        Size = indexSize,
        Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AnnotationKeys.RefName] = entry.RefName ?? throw new ArgumentException("entry has no ref name", nameof(entry)),
            [StoreAnnotations.Kind] = StoreAnnotations.KindEntry,
            [StoreAnnotations.Scope] = entry.Scope.Value,
            [StoreAnnotations.Created] = Rfc3339JsonConverter.Format(entry.Created),
            [StoreAnnotations.LastUsed] = Rfc3339JsonConverter.Format(entry.LastUsed),
        },
    };

    /// <summary>The stage aliases of the newest entry of a scope (stage names that are not valid ref components get none).</summary>
    public static IEnumerable<Descriptor> Aliases(CacheEntry entry)
    {
        foreach (var stage in entry.Stages)
        {
            if (!RefComponent().IsMatch(stage.Name))
            {
                continue;
            }

            yield return new Descriptor
            {
                MediaType = stage.ManifestMediaType,
                Digest = stage.ManifestDigest,
                Size = stage.ManifestSize,
                Platform = stage.Platform,
                Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [AnnotationKeys.RefName] = $"{entry.Scope.RefName}.{stage.Name}",
                    [StoreAnnotations.Kind] = StoreAnnotations.KindStage,
                    [StoreAnnotations.Scope] = entry.Scope.Value,
                    [StoreAnnotations.Stage] = stage.Name,
                    [StoreAnnotations.Entry] = entry.Id.Value,
                },
            };
        }
    }

    /// <summary>The newest entry of each scope (by creation time, then digest for a stable tie-break).</summary>
    public static Dictionary<CacheScope, IndexedEntry> NewestByScope(IEnumerable<IndexedEntry> entries)
    {
        var newest = new Dictionary<CacheScope, IndexedEntry>();
        foreach (var entry in entries)
        {
            if (!newest.TryGetValue(entry.Scope, out var current) || IsNewer(entry, current))
            {
                newest[entry.Scope] = entry;
            }
        }

        return newest;
    }

    /// <summary>Newest-first order: creation time descending, then digest.</summary>
    public static int CompareNewestFirst(DateTimeOffset createdA, Digest idA, DateTimeOffset createdB, Digest idB)
    {
        var byTime = createdB.CompareTo(createdA);
        return byTime != 0 ? byTime : idA.CompareTo(idB);
    }

    private static bool IsNewer(IndexedEntry a, IndexedEntry b) => CompareNewestFirst(a.Created, a.Id, b.Created, b.Id) < 0;

    // Lower-case only, so an alias can never equal an entry ref name (whose time stamp has 'T' and 'Z').
    [GeneratedRegex(@"\A[a-z0-9]+(?:(?:[._]|--?)[a-z0-9]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex RefComponent();
}
