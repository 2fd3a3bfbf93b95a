using System.Text;

namespace LayerCache.Core.Context;

/// <summary>
/// Go's <c>path/filepath.Match</c> (Unix): patternmatcher calls it with the name <c>"."</c> only for its
/// error, so that a malformed pattern (<c>[</c>, <c>[a-b-c]</c>, a trailing <c>\</c>) is refused
/// exactly where docker refuses it.
/// </summary>
internal static class GoGlob
{
    /// <summary>Matches <paramref name="name"/> against <paramref name="pattern"/>; false when the pattern is malformed.</summary>
    public static bool Match(string pattern, string name, out bool malformed)
    {
        malformed = false;
        while (pattern.Length > 0)
        {
            var (star, chunk, rest) = ScanChunk(pattern);
            pattern = rest;
            if (star && chunk.Length == 0)
            {
                // A trailing * matches the rest of the name unless it has a /.
                return !name.Contains('/', StringComparison.Ordinal);
            }

            var (left, ok, bad) = MatchChunk(chunk, name);
            if (ok && (left.Length == 0 || pattern.Length > 0))
            {
                name = left;
                continue;
            }

            if (bad)
            {
                malformed = true;
                return false;
            }

            var matchedLater = false;
            if (star)
            {
                // Look for a match skipping i+1 characters; * cannot skip a /.
                for (var i = 0; i < name.Length && name[i] != '/'; i++)
                {
                    (left, ok, bad) = MatchChunk(chunk, name[(i + 1)..]);
                    if (ok)
                    {
                        if (pattern.Length == 0 && left.Length > 0)
                        {
                            continue;
                        }

                        name = left;
                        matchedLater = true;
                        break;
                    }

                    if (bad)
                    {
                        malformed = true;
                        return false;
                    }
                }
            }

            if (matchedLater)
            {
                continue;
            }

            // Before returning false, check that the rest of the pattern is well formed.
            while (pattern.Length > 0)
            {
                (_, chunk, pattern) = ScanChunk(pattern);
                if (MatchChunk(chunk, string.Empty).Bad)
                {
                    malformed = true;
                    return false;
                }
            }

            return false;
        }

        return name.Length == 0;
    }

    private static (bool Star, string Chunk, string Remainder) ScanChunk(string pattern)
    {
        var star = false;
        while (pattern.Length > 0 && pattern[0] == '*')
        {
            pattern = pattern[1..];
            star = true;
        }

        var inRange = false;
        var i = 0;
        for (; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 < pattern.Length)
                {
                    i++;
                }
            }
            else if (c == '[')
            {
                inRange = true;
            }
            else if (c == ']')
            {
                inRange = false;
            }
            else if (c == '*' && !inRange)
            {
                break;
            }
        }

        return (star, pattern[..i], pattern[i..]);
    }

    /// <summary>Go's matchChunk: after a mismatch it keeps parsing the chunk so that its syntax is checked.</summary>
    private static (string Left, bool Ok, bool Bad) MatchChunk(string chunk, string s)
    {
        var failed = false;
        while (chunk.Length > 0)
        {
            if (!failed && s.Length == 0)
            {
                failed = true;
            }

            switch (chunk[0])
            {
                case '[':
                {
                    var r = 0;
                    if (!failed)
                    {
                        r = NextRune(ref s);
                    }

                    chunk = chunk[1..];
                    var negated = false;
                    if (chunk.Length > 0 && chunk[0] == '^')
                    {
                        negated = true;
                        chunk = chunk[1..];
                    }

                    var match = false;
                    var ranges = 0;
                    while (true)
                    {
                        if (chunk.Length > 0 && chunk[0] == ']' && ranges > 0)
                        {
                            chunk = chunk[1..];
                            break;
                        }

                        if (!GetEscaped(ref chunk, out var lo))
                        {
                            return (string.Empty, false, true);
                        }

                        var hi = lo;
                        if (chunk[0] == '-')
                        {
                            chunk = chunk[1..];
                            if (!GetEscaped(ref chunk, out hi))
                            {
                                return (string.Empty, false, true);
                            }
                        }

                        if (lo <= r && r <= hi)
                        {
                            match = true;
                        }

                        ranges++;
                    }

                    if (match == negated)
                    {
                        failed = true;
                    }

                    break;
                }

                case '?':
                    if (!failed)
                    {
                        if (s[0] == '/')
                        {
                            failed = true;
                        }

                        NextRune(ref s);
                    }

                    chunk = chunk[1..];
                    break;

                default:
                    if (chunk[0] == '\\')
                    {
                        chunk = chunk[1..];
                        if (chunk.Length == 0)
                        {
                            return (string.Empty, false, true);
                        }
                    }

                    if (!failed)
                    {
                        if (chunk[0] != s[0])
                        {
                            failed = true;
                        }

                        s = s[1..];
                    }

                    chunk = chunk[1..];
                    break;
            }
        }

        return failed ? (string.Empty, false, false) : (s, true, false);
    }

    /// <summary>Go's getEsc: one possibly escaped character of a class; false when the class is malformed.</summary>
    private static bool GetEscaped(ref string chunk, out int rune)
    {
        rune = 0;
        if (chunk.Length == 0 || chunk[0] == '-' || chunk[0] == ']')
        {
            return false;
        }

        if (chunk[0] == '\\')
        {
            chunk = chunk[1..];
            if (chunk.Length == 0)
            {
                return false;
            }
        }

        rune = NextRune(ref chunk);
        return chunk.Length > 0;
    }

    private static int NextRune(ref string s)
    {
        var status = Rune.DecodeFromUtf16(s, out var rune, out var consumed);
        s = s[Math.Max(consumed, 1)..];
        return status == System.Buffers.OperationStatus.Done ? rune.Value : Rune.ReplacementChar.Value;
    }
}
