using LayerCache.Core.Inputs;

namespace LayerCache.Core.Context;

/// <summary>
/// Which .dockerignore a build uses and what patterns it holds. The classic builder reads
/// <c>CONTEXT/.dockerignore</c> (docker/cli <c>build.ReadDockerignore</c>); BuildKit first looks for
/// <c>DOCKERFILE.dockerignore</c> next to the Dockerfile and uses it instead when it exists.
/// </summary>
public static class DockerIgnoreFile
{
    /// <summary>The ignore file the build would use, or null when there is none.</summary>
    public static string? Find(string context, string dockerfile, bool buildKit)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(dockerfile);
        if (buildKit && File.Exists(dockerfile + ".dockerignore"))
        {
            return dockerfile + ".dockerignore";
        }

        var root = Path.Combine(context, ".dockerignore");
        return File.Exists(root) ? root : null;
    }

    /// <summary>Reads and parses an ignore file (regular files only, bounded).</summary>
    /// <exception cref="InvalidInputException">Unreadable, special, too large, or a malformed pattern.</exception>
    public static async Task<PatternMatcher> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await InputFile.ReadAllBytesAsync(path, ".dockerignore", InputFile.MaxDocumentBytes, cancellationToken);
        try
        {
            return PatternMatcher.Create(Parse(System.Text.Encoding.UTF8.GetString(bytes)));
        }
        catch (FormatException e)
        {
            throw new InvalidInputException($"{path}: {e.Message} (docker build refuses it too)", e);
        }
    }

    /// <summary>
    /// The patterns of an ignore file, as moby/patternmatcher's <c>ignorefile.ReadAll</c>: a UTF-8 BOM
    /// stripped, lines starting with <c>#</c> skipped, the rest trimmed and cleaned, a leading <c>/</c>
    /// dropped (<c>/a</c> and <c>a</c> are the same pattern), <c>!</c> kept.
    /// </summary>
    public static IReadOnlyList<string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var patterns = new List<string>();
        foreach (var rawLine in text.Split('\n'))
        {
            // bufio.ScanLines drops a trailing \r.
            var line = rawLine.EndsWith('\r') ? rawLine[..^1] : rawLine;
            if (line.StartsWith('#'))
            {
                continue;
            }

            var pattern = line.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }

            var invert = pattern[0] == '!';
            if (invert)
            {
                pattern = pattern[1..].Trim();
            }

            if (pattern.Length > 0)
            {
                pattern = GoPath.Clean(pattern);
                if (pattern.Length > 1 && pattern[0] == '/')
                {
                    pattern = pattern[1..];
                }
            }

            patterns.Add(invert ? "!" + pattern : pattern);
        }

        return patterns;
    }
}
