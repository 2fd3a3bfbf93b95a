using System.Globalization;
using System.Text;

namespace LayerCache.Store;

/// <summary>
/// The <c>SUMMARY</c> file: one line per entry, <c>SCOPE REF-NAME ENTRY-DIGEST LAST-USED-DATE</c>,
/// sorted by scope then ref name, rewritten (atomically, and only when its text changes) after every
/// change to the store.
/// <para>
/// It exists to be checksummed by CI file caches. CircleCI's <c>save_cache</c> never overwrites a key
/// that already exists, so a key such as <c>layers-{{ checksum ".layercache/SUMMARY" }}</c> must change
/// exactly when the store has new content worth saving: a new or removed entry changes a line, while
/// restoring an entry only moves its last-used <em>date</em>, so the checksum changes at most once a day
/// per used entry. That daily change is deliberate: last-used must reach the persisted cache at least
/// daily, or <c>--keep 7d</c> would drop entries that are in fact used every day. Times of day are left
/// out so repeated builds on one day do not upload an unchanged store again.
/// </para>
/// </summary>
internal static class SummaryFile
{
    /// <summary>The file's text for the given entries.</summary>
    public static string Render(IEnumerable<IndexedEntry> entries)
    {
        var builder = new StringBuilder();
        foreach (var entry in entries.OrderBy(e => e.Scope.Value, StringComparer.Ordinal).ThenBy(e => e.RefName, StringComparer.Ordinal))
        {
            builder
                .Append(entry.Scope.Value).Append(' ')
                .Append(entry.RefName).Append(' ')
                .Append(entry.Id.Value).Append(' ')
                .Append(entry.LastUsed.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
                .Append('\n');
        }

        return builder.ToString();
    }
}
