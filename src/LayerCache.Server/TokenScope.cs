using System.Text;
using System.Text.RegularExpressions;

namespace LayerCache.Server;

/// <summary>
/// One grant of a token: read or write on the repositories a glob matches (<c>*</c> within one path
/// component, <c>**</c> across components). Write implies read: a push checks what is there first.
/// A write grant may be limited to tags (<c>write:REPOGLOB:TAGGLOB</c>, <c>*</c> any run of tag
/// characters): it may upload blobs and push manifests by digest (content-addressed, so nothing of
/// anyone else's changes), tag only matching tags, delete a manifest only when every tag naming it
/// matches, and never delete a blob. That is how a pull request writes its own cache scope's entries
/// (tags <c>SCOPE.TIME</c>) in a repository it shares with the default branch's.
/// </summary>
internal sealed class TokenScope
{
    private readonly Regex _pattern;

    private TokenScope(TokenAccess access, string glob, Regex pattern, string? tagGlob, Regex? tagPattern)
    {
        Access = access;
        Glob = glob;
        _pattern = pattern;
        TagGlob = tagGlob;
        _tagPattern = tagPattern;
    }

    private readonly Regex? _tagPattern;

    /// <summary>The tags a write grant is limited to, or null for the whole repository.</summary>
    public string? TagGlob { get; }

    /// <summary>True when this grant writes only some tags.</summary>
    public bool IsTagLimited => _tagPattern is not null;

    /// <summary>True when this grant may point <paramref name="tag"/> elsewhere (always, without a tag limit).</summary>
    public bool AllowsTag(string tag) => _tagPattern?.IsMatch(tag) ?? true;

    public TokenAccess Access { get; }

    public string Glob { get; }

    public bool Allows(TokenAccess access, string repository) =>
        (Access == TokenAccess.Write || access == TokenAccess.Read) && _pattern.IsMatch(repository);

    /// <summary>Parses <c>read:GLOB</c>, <c>write:GLOB</c> or <c>write:GLOB:TAGGLOB</c>; null when malformed.</summary>
    public static TokenScope? TryParse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            return null;
        }

        TokenAccess? access = text[..colon] switch { "read" => TokenAccess.Read, "write" => TokenAccess.Write, _ => null };
        var glob = text[(colon + 1)..];
        string? tagGlob = null;
        if (glob.IndexOf(':', StringComparison.Ordinal) is var tagColon and >= 0)
        {
            // A read grant covers the whole repository: anything is readable by digest, so a tag limit would promise nothing.
            tagGlob = glob[(tagColon + 1)..];
            glob = glob[..tagColon];
            if (access != TokenAccess.Write || tagGlob.Length == 0 || tagGlob.Length > 128
                || tagGlob.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '*')))
            {
                return null;
            }
        }

        if (access is null || glob.Length == 0 || glob.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' or '/' or '*')))
        {
            return null;
        }

        var regex = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            if (glob[i] == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                regex.Append(".*");
                i++;
            }
            else
            {
                regex.Append(glob[i] == '*' ? "[^/]*" : Regex.Escape(glob[i].ToString()));
            }
        }

        regex.Append('$');
        Regex? tagPattern = null;
        if (tagGlob is not null)
        {
            var tagRegex = "^" + string.Concat(tagGlob.Select(c => c == '*' ? ".*" : Regex.Escape(c.ToString()))) + "$";
            tagPattern = new Regex(tagRegex, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }

        return new TokenScope(access.Value, glob, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), tagGlob, tagPattern);
    }
}
