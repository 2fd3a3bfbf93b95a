using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using LayerCache.Oci;
using LayerCache.Store;

namespace LayerCache.Registry.Store;

/// <summary>
/// How a registry store names its entry tags: <c>SCOPE.yyyyMMddTHHmmssZ</c>, with <c>.HEX12</c> of the
/// entry digest when two entries of a scope share a second; the scope is <see cref="CacheScope.RefName"/>
/// (the same names the directory store gives). Always a valid tag (<c>[A-Za-z0-9_][A-Za-z0-9._-]{0,127}</c>)
/// and injective: a scope has no <c>_</c> and no upper case, so <c>/</c> → <c>_</c> cannot collide, the
/// time stamp (with <c>T</c> and <c>Z</c>) can never be part of a scope, and a scope too long to fit is
/// cut and marked with <c>-H</c> (upper case, so no kept scope looks like it) and 16 hex digits of its SHA-256.
/// </summary>
internal static partial class EntryTags
{
    /// <summary>The longest scope part: 128 minus the time stamp (17) and the digest suffix (13).</summary>
    public const int MaxScopePart = 128 - 17 - 13;

    private const int KeptWhenCut = MaxScopePart - 2 - CacheScope.EscapeHashLength;

    /// <summary>The tag prefix of a scope's entries (before the time stamp).</summary>
    public static string ScopePart(CacheScope scope)
    {
        var name = scope.RefName;
        if (name.Length <= MaxScopePart)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope.Value)))[..CacheScope.EscapeHashLength];
        return $"{name[..KeptWhenCut]}-H{hash}";
    }

    /// <summary>The first-choice tag of an entry of <paramref name="scope"/> created at <paramref name="created"/>.</summary>
    public static string Name(CacheScope scope, DateTimeOffset created) =>
        $"{ScopePart(scope)}.{created.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";

    /// <summary>The tag used when <see cref="Name"/> already names another entry: stable for the entry.</summary>
    public static string Alternate(string name, Digest id) => $"{name}.{id.Hex[..12]}";

    /// <summary>True when <paramref name="tag"/> has the shape of an entry tag; <paramref name="scopePart"/> is its <see cref="ScopePart"/>.</summary>
    public static bool TryParse(string tag, out string scopePart)
    {
        var match = Pattern().Match(tag);
        scopePart = match.Success ? match.Groups["scope"].Value : string.Empty;
        return match.Success;
    }

    /// <summary>True when <paramref name="tag"/> has the shape of an entry tag.</summary>
    public static bool IsEntryTag(string tag) => TryParse(tag, out _);

    [GeneratedRegex(@"\A(?<scope>[a-z0-9][A-Za-z0-9._-]*?)\.[0-9]{8}T[0-9]{6}Z(?:\.[0-9a-f]{12})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
