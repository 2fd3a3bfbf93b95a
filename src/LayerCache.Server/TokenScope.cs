using System.Text;
using System.Text.RegularExpressions;

namespace LayerCache.Server;

/// <summary>
/// One grant of a token: read or write on the repositories a glob matches (<c>*</c> within one path
/// component, <c>**</c> across components). Write implies read: a push checks what is there first.
/// </summary>
internal sealed class TokenScope
{
    private readonly Regex _pattern;

    private TokenScope(TokenAccess access, string glob, Regex pattern)
    {
        Access = access;
        Glob = glob;
        _pattern = pattern;
    }

    public TokenAccess Access { get; }

    public string Glob { get; }

    public bool Allows(TokenAccess access, string repository) =>
        (Access == TokenAccess.Write || access == TokenAccess.Read) && _pattern.IsMatch(repository);

    /// <summary>Parses <c>read:GLOB</c> or <c>write:GLOB</c>; null when malformed.</summary>
    public static TokenScope? TryParse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            return null;
        }

        TokenAccess? access = text[..colon] switch { "read" => TokenAccess.Read, "write" => TokenAccess.Write, _ => null };
        var glob = text[(colon + 1)..];
        if (access is null || glob.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' or '/' or '*')))
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
        return new TokenScope(access.Value, glob, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
    }
}
