using System.Globalization;
using System.Text;

namespace LayerCache.Dockerfile;

/// <summary>Quotes a string exactly as Go's <c>strconv.Quote</c>, which the dump format uses.</summary>
internal static class GoQuote
{
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2);
        Append(text, value);
        return text.ToString();
    }

    public static void Append(StringBuilder text, string value)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            int rune;
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                rune = char.ConvertToUtf32(value[i], value[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                // A lone surrogate is not valid UTF-8 in Go either; it would print as the replacement rune.
                rune = 0xFFFD;
            }
            else
            {
                rune = value[i];
            }

            AppendRune(text, rune);
        }

        text.Append('"');
    }

    private static void AppendRune(StringBuilder text, int rune)
    {
        switch (rune)
        {
            case '"':
                text.Append("\\\"");
                return;
            case '\\':
                text.Append("\\\\");
                return;
        }

        if (IsPrint(rune))
        {
            text.Append(char.ConvertFromUtf32(rune));
            return;
        }

        switch (rune)
        {
            case '\a':
                text.Append("\\a");
                return;
            case '\b':
                text.Append("\\b");
                return;
            case '\f':
                text.Append("\\f");
                return;
            case '\n':
                text.Append("\\n");
                return;
            case '\r':
                text.Append("\\r");
                return;
            case '\t':
                text.Append("\\t");
                return;
            case '\v':
                text.Append("\\v");
                return;
        }

        if (rune < ' ' || rune == 0x7F)
        {
            text.Append("\\x").Append(rune.ToString("x2", CultureInfo.InvariantCulture));
        }
        else if (rune < 0x10000)
        {
            text.Append("\\u").Append(rune.ToString("x4", CultureInfo.InvariantCulture));
        }
        else
        {
            text.Append("\\U").Append(rune.ToString("x8", CultureInfo.InvariantCulture));
        }
    }

    // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static bool IsPrint(int rune)
    {
        if (rune == ' ')
        {
            return true;
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(rune);
        return category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation
                or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }
}
