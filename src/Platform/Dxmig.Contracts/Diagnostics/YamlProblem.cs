using YamlDotNet.Core;

namespace Dxmig.Contracts;

/// <summary>
/// A YAML parser error said in the words of a person editing the file, Japanese and English, at the line and column
/// where the person must look: a tab in the indentation where the tab is (the parser notices it later), a duplicated
/// key with both lines, a bad indentation, an unclosed quote or bracket. The parser's English is never the message.
/// </summary>
public sealed record YamlProblem(int Line, int Column, string Japanese, string English)
{
    /// <summary>What went wrong in a file of <paramref name="lines"/> (its text, or empty when it cannot be read again).</summary>
    public static YamlProblem From(Exception error, IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(lines);
        var (line, column) = error is YamlException y ? ((int)y.Start.Line, (int)y.Start.Column) : (0, 0);
        var message = error is YamlException ? error.Message : string.Empty;

        if (FirstIndentingTab(lines) is { } tab && (message.Contains("tab", StringComparison.OrdinalIgnoreCase) || tab.Line <= line + 1 || line == 0))
        {
            return new(tab.Line, tab.Column,
                "タブ文字は使えません。空白で字下げしてください",
                "tabs cannot indent YAML: indent with spaces");
        }

        if (message.StartsWith("Duplicate key", StringComparison.Ordinal))
        {
            var key = message["Duplicate key".Length..].Trim();
            return EarlierKey(lines, line, column, key) is { } first
                ? new(line, column,
                    $"キー '{key}' が 2 回書かれています ({first} 行目と {line} 行目)。どちらかを消してください",
                    $"key '{key}' is written twice (lines {first} and {line}): remove one")
                : new(line, column,
                    $"キー '{key}' が同じ階層にすでにあります。どちらかを消してください",
                    $"key '{key}' is already given at this level: remove one");
        }

        // The parser notices a flow collection that never closes at the end of the file (or fails without a position):
        // point at the bracket that was opened.
        var flow = message.Contains("expected ',' or", StringComparison.Ordinal) || message.Contains("flow", StringComparison.OrdinalIgnoreCase);
        if ((error is not YamlException || flow) && UnclosedBracket(lines) is { } open)
        {
            return new(open.Line, open.Column, "括弧 [ ] または { } が閉じていません", "a bracket [ ] or { } is not closed");
        }

        if (error is not YamlException)
        {
            return new(Math.Max(line, 1), Math.Max(column, 1),
                "YAML の書き方が正しくありません。字下げ、引用符、括弧を確認してください",
                "this is not valid YAML: check the indentation, quotes and brackets");
        }

        var (japanese, english) = Words(message);
        return new(line, column, japanese, english);
    }

    private static (string Japanese, string English) Words(string message)
    {
        bool Says(string text) => message.Contains(text, StringComparison.OrdinalIgnoreCase);
        if (Says("did not find expected key"))
        {
            return ("字下げ (インデント) が前の行と合っていません。同じ階層のキーは同じ位置から書いてください",
                    "indentation does not match the lines before: keys at the same level start in the same column");
        }

        if (Says("did not find expected '-' indicator"))
        {
            return ("リストの項目 ('- ' で始まる行) の字下げが前の項目と合っていません",
                    "a list item (a line starting '- ') is not indented like the items before it");
        }

        if (Says("invalid mapping") || Says("mapping values are not allowed"))
        {
            return ("ここに ': ' があります。字下げが深すぎないか確認し、値に ': ' を含めるときは値を引用符 (\"…\") で囲んでください",
                    "there is a ': ' here: check that the line is not indented too deep, and quote a value (\"…\") that contains ': '");
        }

        if (Says("quoted scalar") && Says("end of stream"))
        {
            return ("引用符 (' または \") が閉じていません", "a quote (' or \") is not closed");
        }

        if (Says("expected ',' or ']'") || Says("expected ',' or '}'"))
        {
            return ("括弧 [ ] または { } が閉じていないか、項目の間の ',' がありません", "a bracket [ ] or { } is not closed, or a ',' between items is missing");
        }

        if (Says("cannot start any token"))
        {
            return ("この文字から値を始められません (@ ` % など)。値を引用符 (\"…\") で囲んでください",
                    "a value cannot start with this character (such as @ ` %): put the value in quotes (\"…\")");
        }

        if (Says("did not find expected node content") || Says("did not find expected"))
        {
            return ("値がないか、記号 (- : [ { など) の位置が違います。字下げと記号を確認してください",
                    "a value is missing or a symbol (- : [ { …) is out of place: check the indentation and symbols");
        }

        return ("YAML の書き方が正しくありません。字下げ、引用符、括弧を確認してください",
                $"this is not valid YAML: check the indentation, quotes and brackets (parser: {message.Trim()})");
    }

    /// <summary>The first tab in a line's indentation (1-based line and column), outside block text.</summary>
    private static (int Line, int Column)? FirstIndentingTab(IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i];
            for (var c = 0; c < text.Length && (text[c] == ' ' || text[c] == '\t'); c++)
            {
                if (text[c] == '\t' && text.AsSpan(c).Trim().Length > 0)
                {
                    return (i + 1, c + 1);
                }
            }
        }

        return null;
    }

    /// <summary>The line (1-based) where <paramref name="key"/> was first given in the same mapping as at <paramref name="line"/>:<paramref name="column"/>.</summary>
    private static int? EarlierKey(IReadOnlyList<string> lines, int line, int column, string key)
    {
        var indent = column - 1;
        for (var i = Math.Min(line, lines.Count) - 2; i >= 0; i--)
        {
            var text = lines[i];
            var content = text.TrimStart(' ');
            if (content.Length == 0 || content.StartsWith('#'))
            {
                continue;
            }

            var at = text.Length - content.Length;
            if (content.StartsWith("- ", StringComparison.Ordinal) && at + 2 == indent)
            {
                (at, content) = (indent, content[2..].TrimStart(' '));
            }

            if (at < indent)
            {
                return null;
            }

            if (at == indent && KeyOf(content) == key)
            {
                return i + 1;
            }
        }

        return null;
    }

    private static string? KeyOf(string content)
    {
        var colon = content.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : content[..colon].Trim().Trim('"', '\'');
    }

    /// <summary>The last [ or { still open at the end of the file, outside quotes and comments.</summary>
    private static (int Line, int Column)? UnclosedBracket(IReadOnlyList<string> lines)
    {
        var open = new Stack<(int Line, int Column)>();
        for (var i = 0; i < lines.Count; i++)
        {
            char? quote = null;
            var text = lines[i];
            for (var c = 0; c < text.Length; c++)
            {
                var ch = text[c];
                if (quote is not null)
                {
                    quote = ch == quote ? null : quote;
                }
                else if (ch is '"' or '\'' && (c == 0 || text[c - 1] is ' ' or '[' or '{' or ',' or ':'))
                {
                    quote = ch;
                }
                else if (ch == '#' && (c == 0 || text[c - 1] == ' '))
                {
                    break;
                }
                else if (ch is '[' or '{')
                {
                    open.Push((i + 1, c + 1));
                }
                else if (ch is ']' or '}' && open.Count > 0)
                {
                    open.Pop();
                }
            }
        }

        return open.Count > 0 ? open.Peek() : null;
    }
}
