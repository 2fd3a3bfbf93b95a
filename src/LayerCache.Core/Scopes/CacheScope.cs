using System.Text;

namespace LayerCache.Core.Scopes;

/// <summary>
/// The name entries are written under: project + branch, normalised to <c>[a-z0-9._/-]</c> so
/// it is safe in file names, OCI ref names and registry tags.
/// </summary>
public sealed record CacheScope
{
    private CacheScope(string value) => Value = value;

    /// <summary>The normalised scope, e.g. <c>acme/shop/main</c>.</summary>
    public string Value { get; }

    /// <summary>Builds a scope from a project and a branch (either may be missing).</summary>
    public static CacheScope From(string? project, string? branch)
    {
        var parts = new[] { project, branch }.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!).ToList();
        return Parse(parts.Count == 0 ? "default" : string.Join('/', parts));
    }

    /// <summary>Normalises a user-given scope; throws <see cref="FormatException"/> if nothing usable remains.</summary>
    public static CacheScope Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length);
        foreach (var c in value.Trim().ToLowerInvariant())
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/' ? c : '-');
        }

        var normalised = string.Join('/', text.ToString().Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim('.', '-', '_')).Where(s => s.Length > 0));
        if (normalised.Length == 0)
        {
            throw new FormatException($"invalid scope \"{value}\": it needs at least one letter or digit");
        }

        if (normalised.Length > 200)
        {
            throw new FormatException($"invalid scope \"{value}\": longer than 200 characters");
        }

        return new CacheScope(normalised);
    }

    /// <inheritdoc/>
    public override string ToString() => Value;
}
