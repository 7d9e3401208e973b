using System.Globalization;
using System.Text;

namespace Dxmig.Cli.Console;

/// <summary>
/// How many terminal columns text takes (East Asian wide and fullwidth characters such as 漢字, かな and ＡＢ take two,
/// combining marks none), and line breaking that never splits a word: only at spaces, and between wide characters
/// (where Japanese text breaks).
/// </summary>
public static class DisplayWidth
{
    /// <summary>The columns <paramref name="text"/> takes on a terminal.</summary>
    public static int Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var width = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            width += Of(rune);
        }

        return width;
    }

    /// <summary>The columns one character takes: 0, 1 or 2.</summary>
    public static int Of(Rune rune)
    {
        var value = rune.Value;
        if (value == 0 || Rune.IsControl(rune))
        {
            return 0;
        }

        var category = Rune.GetUnicodeCategory(rune);
        if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format || value is >= 0xFE00 and <= 0xFE0F)
        {
            return 0;
        }

        return IsWide(value) ? 2 : 1;
    }

    /// <summary>East Asian Wide (W) and Fullwidth (F) ranges of Unicode's EastAsianWidth.txt, and emoji presentation.</summary>
    private static bool IsWide(int c) =>
        c is >= 0x1100 and <= 0x115F // Hangul Jamo initials
        or >= 0x231A and <= 0x231B or >= 0x2329 and <= 0x232A or >= 0x23E9 and <= 0x23EC or 0x23F0 or 0x23F3
        or >= 0x25FD and <= 0x25FE or >= 0x2614 and <= 0x2615 or >= 0x2648 and <= 0x2653 or 0x267F or 0x2693 or 0x26A1
        or >= 0x26AA and <= 0x26AB or >= 0x26BD and <= 0x26BE or >= 0x26C4 and <= 0x26C5 or 0x26CE or 0x26D4 or 0x26EA
        or >= 0x26F2 and <= 0x26F3 or 0x26F5 or 0x26FA or 0x26FD or 0x2705 or >= 0x270A and <= 0x270B or 0x2728 or 0x274C
        or 0x274E or >= 0x2753 and <= 0x2755 or 0x2757 or >= 0x2795 and <= 0x2797 or 0x27B0 or 0x27BF or >= 0x2B1B and <= 0x2B1C
        or 0x2B50 or 0x2B55
        or >= 0x2E80 and <= 0x303E // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation (、。「」〜)
        or >= 0x3041 and <= 0x33FF // Hiragana, Katakana, Bopomofo, Hangul compatibility, Kanbun, CJK strokes, enclosed CJK (㈱), CJK compatibility
        or >= 0x3400 and <= 0x4DBF // CJK extension A
        or >= 0x4E00 and <= 0x9FFF // CJK unified ideographs
        or >= 0xA000 and <= 0xA4CF // Yi
        or >= 0xA960 and <= 0xA97F // Hangul Jamo extended A
        or >= 0xAC00 and <= 0xD7A3 // Hangul syllables
        or >= 0xF900 and <= 0xFAFF // CJK compatibility ideographs
        or >= 0xFE10 and <= 0xFE19 or >= 0xFE30 and <= 0xFE6F // vertical forms, CJK compatibility forms, small forms
        or >= 0xFF00 and <= 0xFF60 // fullwidth forms (ＡＢ１！)
        or >= 0xFFE0 and <= 0xFFE6 // fullwidth signs (￥)
        or >= 0x16FE0 and <= 0x1B2FF // Tangut, Kana supplement and extensions
        or >= 0x1F300 and <= 0x1F64F // pictographs and emoticons
        or >= 0x1F900 and <= 0x1F9FF
        or >= 0x20000 and <= 0x3FFFD; // CJK extensions B and later

    /// <summary>
    /// <paramref name="text"/> broken into lines of at most <paramref name="width"/> columns, at spaces or between wide
    /// characters; a word longer than the width stays whole on its own line (a name or a path is never split).
    /// Continuation lines start with <paramref name="indent"/> spaces.
    /// </summary>
    public static IReadOnlyList<string> Wrap(string text, int width, int indent = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>();
        var line = new StringBuilder();
        var lineWidth = 0;
        foreach (var piece in Pieces(text))
        {
            var pieceWidth = Of(piece);
            var space = piece == " ";
            if (space && lineWidth == 0)
            {
                continue;
            }

            if (lineWidth + pieceWidth > width && lineWidth > 0 && !space)
            {
                lines.Add(line.ToString().TrimEnd());
                line.Clear().Append(' ', indent);
                lineWidth = indent;
                if (lineWidth + pieceWidth > width && indent > 0)
                {
                    // A word that does not fit even after the indent: start it at the margin instead.
                    line.Clear();
                    lineWidth = 0;
                }
            }

            line.Append(piece);
            lineWidth += pieceWidth;
        }

        var last = line.ToString().TrimEnd();
        if (last.Trim().Length > 0 || lines.Count == 0)
        {
            lines.Add(last);
        }

        return lines;
    }

    /// <summary>The widest piece <see cref="Wrap"/> cannot break (the narrowest width that keeps every word whole).</summary>
    public static int LongestWord(string text) => Pieces(text).Select(Of).DefaultIfEmpty(0).Max();

    /// <summary>Words (runs of narrow characters), single spaces, and single wide characters (each a place to break).</summary>
    private static List<string> Pieces(string text)
    {
        var pieces = new List<string>();
        var word = new StringBuilder();
        void Flush()
        {
            if (word.Length > 0)
            {
                pieces.Add(word.ToString());
                word.Clear();
            }
        }

        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is ' ' or '\t' or '\n' or '\r')
            {
                Flush();
                pieces.Add(" ");
            }
            else if (Sticky(rune) && word.Length == 0 && pieces.Count > 0 && pieces[^1] != " ")
            {
                // Closing punctuation (、。」) stays on the line of what comes before it.
                pieces[^1] += rune.ToString();
            }
            else if (Of(rune) == 2 && !Sticky(rune))
            {
                Flush();
                pieces.Add(rune.ToString());
            }
            else
            {
                word.Append(rune.ToString());
            }
        }

        Flush();
        return pieces;
    }

    /// <summary>Characters a line must not start with (closing brackets and punctuation, small kana, the long vowel mark).</summary>
    private static bool Sticky(Rune rune) => rune.Value is '、' or '。' or '，' or '．' or '」' or '』' or '）' or '】' or '〕' or '・' or 'ー'
        or 'ぁ' or 'ぃ' or 'ぅ' or 'ぇ' or 'ぉ' or 'っ' or 'ゃ' or 'ゅ' or 'ょ' or 'ァ' or 'ィ' or 'ゥ' or 'ェ' or 'ォ' or 'ッ' or 'ャ' or 'ュ' or 'ョ';
}
