using System.Security.Cryptography;
using System.Text;

namespace LayerCache.Server;

/// <summary>
/// The tokens the server accepts (<c>--tokens FILE</c>). One token a line:
/// <c>sha256:HEX read:GLOB write:GLOB …</c>, where HEX is the SHA-256 of the token
/// (<c>printf %s TOKEN | sha256sum</c>), so the file holds no secret; <c>#</c> starts a comment.
/// A request presents the token as <c>Authorization: Bearer TOKEN</c> or as the password of Basic
/// authentication (what <c>docker login</c> and <c>skopeo --creds</c> send; the user name is ignored).
/// </summary>
internal sealed class TokenFile
{
    private readonly List<(byte[] Hash, IReadOnlyList<TokenScope> Scopes)> _tokens;

    private TokenFile(List<(byte[] Hash, IReadOnlyList<TokenScope> Scopes)> tokens) => _tokens = tokens;

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">A line is malformed; the message names it.</exception>
    public static async Task<TokenFile> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length > 1 << 20)
        {
            throw new FormatException($"{path}: not a tokens file (missing, or over 1 MiB)");
        }

        return Parse(await File.ReadAllTextAsync(path, cancellationToken), path);
    }

    public static TokenFile Parse(string text, string source)
    {
        var tokens = new List<(byte[], IReadOnlyList<TokenScope>)>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = (raw.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (!fields[0].StartsWith("sha256:", StringComparison.Ordinal) || fields[0].Length != 7 + 64 || !fields[0][7..].All(char.IsAsciiHexDigitLower))
            {
                throw new FormatException($"{source}:{number}: expected \"sha256:<64 lowercase hex of the token> read:GLOB|write:GLOB ...\"");
            }

            var scopes = new List<TokenScope>();
            foreach (var field in fields.Skip(1))
            {
                scopes.Add(TokenScope.TryParse(field) ?? throw new FormatException($"{source}:{number}: invalid scope \"{field}\": expected read:GLOB, write:GLOB or write:GLOB:TAGGLOB"));
            }

            tokens.Add((Convert.FromHexString(fields[0][7..]), scopes));
        }

        return new TokenFile(tokens);
    }

    /// <summary>The scopes of <paramref name="token"/>, or null when it is not a known token. Compares hashes in constant time.</summary>
    public IReadOnlyList<TokenScope>? Find(string token)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        IReadOnlyList<TokenScope>? found = null;
        foreach (var (known, scopes) in _tokens)
        {
            // Every entry is compared, so the time does not tell which line matched.
            if (CryptographicOperations.FixedTimeEquals(known, hash))
            {
                found = scopes;
            }
        }

        return found;
    }
}
