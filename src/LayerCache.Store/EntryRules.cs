namespace LayerCache.Store;

/// <summary>What every store checks before it writes an entry, so no backend stores one another could not read.</summary>
internal static class EntryRules
{
    /// <summary>Throws when the entry cannot be stored.</summary>
    /// <exception cref="ArgumentException">The entry has no scope, key or stages, or a stage is unnamed, repeated or has no manifest.</exception>
    public static void Validate(CacheEntry entry)
    {
        if (entry.Scope.Equals(default(CacheScope)))
        {
            throw new ArgumentException("entry has no scope", nameof(entry));
        }

        if (entry.Key.IsEmpty)
        {
            throw new ArgumentException("entry has no cache key", nameof(entry));
        }

        if (entry.Stages is null || entry.Stages.Count == 0)
        {
            throw new ArgumentException("entry has no stages", nameof(entry));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in entry.Stages)
        {
            if (string.IsNullOrWhiteSpace(stage.Name) || stage.Name.Any(char.IsControl))
            {
                throw new ArgumentException($"stage name \"{stage.Name}\" is empty or has control characters", nameof(entry));
            }

            if (!names.Add(stage.Name))
            {
                throw new ArgumentException($"stage \"{stage.Name}\" appears twice", nameof(entry));
            }

            if (stage.ManifestDigest.IsEmpty)
            {
                throw new ArgumentException($"stage \"{stage.Name}\" has no manifest digest", nameof(entry));
            }
        }
    }
}
