using System.Text;

namespace LayerCache.Cli;

/// <summary>Left-aligned plain-text columns, two spaces apart: readable in any CI log viewer.</summary>
internal static class TextTable
{
    public static string Render(IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0)
        {
            return string.Empty;
        }

        var widths = new int[rows.Max(r => r.Length)];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                var last = i == row.Length - 1;
                text.Append(last ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
