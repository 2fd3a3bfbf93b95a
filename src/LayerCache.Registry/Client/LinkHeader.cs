namespace LayerCache.Registry.Client;

/// <summary>
/// The <c>Link</c> header of a paginated list (RFC 8288; distribution-spec "Listing Tags"):
/// <c>&lt;/v2/app/tags/list?n=100&amp;last=v9&gt;; rel="next"</c>.
/// </summary>
public static class LinkHeader
{
    /// <summary>
    /// The target of the <c>rel="next"</c> link in <paramref name="values"/>, or null. The target may be
    /// relative; the caller resolves it and refuses one that leaves the registry.
    /// </summary>
    public static string? FindNext(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values)
        {
            foreach (var link in SplitLinks(value))
            {
                var open = link.IndexOf('<', StringComparison.Ordinal);
                var close = link.IndexOf('>', StringComparison.Ordinal);
                if (open < 0 || close <= open)
                {
                    continue;
                }

                var target = link[(open + 1)..close].Trim();
                foreach (var parameter in link[(close + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var equals = parameter.IndexOf('=', StringComparison.Ordinal);
                    if (equals < 0 || !parameter[..equals].Trim().Equals("rel", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    var relations = parameter[(equals + 1)..].Trim().Trim('"').Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (relations.Any(r => r.Equals("next", StringComparison.OrdinalIgnoreCase)) && target.Length > 0)
                    {
                        return target;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>Splits at the commas between links, not those inside <c>&lt;…&gt;</c> or quotes.</summary>
    private static IEnumerable<string> SplitLinks(string value)
    {
        var start = 0;
        var inTarget = false;
        var inQuotes = false;
        for (var i = 0; i < value.Length; i++)
        {
            switch (value[i])
            {
                case '<' when !inQuotes:
                    inTarget = true;
                    break;
                case '>' when !inQuotes:
                    inTarget = false;
                    break;
                case '"' when !inTarget:
                    inQuotes = !inQuotes;
                    break;
                case ',' when !inTarget && !inQuotes:
                    yield return value[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return value[start..];
    }
}
