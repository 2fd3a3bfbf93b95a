using System.Text.RegularExpressions;

namespace LayerCache.Server;

/// <summary>
/// The distribution spec's grammar of repository names and tags. A name is checked before anything
/// else reads it; names never become paths (see <c>RepositoryReferences</c>), so this is about
/// answering NAME_INVALID as the spec says, not about the disk.
/// </summary>
internal static partial class RepositoryName
{
    /// <summary>Distribution's limit on a whole name.</summary>
    public const int MaxLength = 255;

    public static bool IsValid(string name) => name.Length <= MaxLength && NamePattern().IsMatch(name);

    public static bool IsValidTag(string tag) => TagPattern().IsMatch(tag);

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();
}
