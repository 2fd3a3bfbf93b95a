namespace LayerCache.Core.Context;

/// <summary>
/// .dockerignore matching with docker's exact semantics: a port of moby/patternmatcher's
/// <c>New</c> and <c>MatchesOrParentMatches</c> (the later of two matching patterns wins; <c>!</c>
/// re-includes; a pattern that matches a parent directory matches everything under it).
/// </summary>
public sealed class PatternMatcher
{
    private readonly IReadOnlyList<IgnorePattern> _patterns;

    private PatternMatcher(IReadOnlyList<IgnorePattern> patterns)
    {
        _patterns = patterns;
        HasExclusions = patterns.Any(p => p.Exclusion);
    }

    /// <summary>True when some pattern is a <c>!</c> exception.</summary>
    public bool HasExclusions { get; }

    /// <summary>The exception (<c>!</c>) patterns, cleaned and without their <c>!</c>.</summary>
    public IEnumerable<string> ExclusionPatterns => _patterns.Where(p => p.Exclusion).Select(p => p.Cleaned);

    /// <summary>Compiles patterns as patternmatcher's <c>New</c> does (blank ones are skipped).</summary>
    /// <exception cref="FormatException">A pattern is malformed (docker refuses it too): a lone <c>!</c>, or bad glob syntax.</exception>
    public static PatternMatcher Create(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var compiled = new List<IgnorePattern>();
        foreach (var raw in patterns)
        {
            var pattern = raw.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }

            pattern = GoPath.Clean(pattern);
            var exclusion = false;
            if (pattern[0] == '!')
            {
                if (pattern.Length == 1)
                {
                    throw new FormatException("illegal exclusion pattern: \"!\"");
                }

                exclusion = true;
                pattern = pattern[1..];
            }

            GoGlob.Match(pattern, ".", out var malformed);
            if (malformed)
            {
                throw new FormatException($"syntax error in pattern \"{pattern}\"");
            }

            compiled.Add(new IgnorePattern(pattern, exclusion));
        }

        return new PatternMatcher(compiled);
    }

    /// <summary>
    /// Whether the slash-separated <paramref name="path"/> (relative to the context) is excluded: it or
    /// one of its parent directories matches a pattern that no later exception re-includes.
    /// </summary>
    /// <exception cref="FormatException">A pattern's expression does not compile.</exception>
    public bool MatchesOrParentMatches(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = path;
        var parent = Dir(file);
        var parentDirs = parent.Split('/');
        var matched = false;
        foreach (var pattern in _patterns)
        {
            // An inclusion cannot change an already matched path, nor an exception an unmatched one.
            if (pattern.Exclusion != matched)
            {
                continue;
            }

            var match = pattern.Matches(file);
            if (!match && parent != ".")
            {
                for (var i = 0; i < parentDirs.Length && !match; i++)
                {
                    match = pattern.Matches(string.Join('/', parentDirs[..(i + 1)]));
                }
            }

            if (match)
            {
                matched = !pattern.Exclusion;
            }
        }

        return matched;
    }

    /// <summary>Go's <c>filepath.Dir</c>: everything up to the last <c>/</c>, cleaned.</summary>
    private static string Dir(string file) => GoPath.Clean(file[..(file.LastIndexOf('/') + 1)]);
}
