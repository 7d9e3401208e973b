using System.Text;

namespace Dxmig.Platform.Reconciliation;

/// <summary>
/// CSV for people who open it in Excel: UTF-8 with a BOM (so Japanese reads right), CRLF, quotes where needed, and a
/// cell that starts with = + - @ (or a tab or CR) prefixed with an apostrophe so Excel never runs it as a formula.
/// </summary>
public static class CsvCells
{
    /// <summary>UTF-8 that writes the BOM.</summary>
    public static readonly Encoding Utf8WithBom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);

    /// <summary>One cell, escaped and quoted as needed.</summary>
    public static string Cell(string? value)
    {
        var text = value ?? string.Empty;
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }

        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }

    /// <summary>One line of cells, with CRLF.</summary>
    public static string Line(IEnumerable<string?> cells) => string.Join(',', cells.Select(Cell)) + "\r\n";

    /// <summary>
    /// The records of CSV text as <see cref="Cell"/> and <see cref="Line"/> wrote them: quoted cells may hold commas,
    /// quotes and line breaks, and a neutralised leading character is given back as it was.
    /// </summary>
    public static List<List<string>> ReadRecords(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<List<string>>();
        var cells = new List<string>();
        var value = new StringBuilder();
        var quoted = false;
        void EndCell()
        {
            cells.Add(Unneutralised(value.ToString()));
            value.Clear();
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    value.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    value.Append(c);
                }
            }
            else if (c == '"' && value.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                EndCell();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                // CRLF: the LF ends the record.
            }
            else if (c == '\n')
            {
                EndCell();
                records.Add(cells);
                cells = [];
            }
            else
            {
                value.Append(c);
            }
        }

        if (value.Length > 0 || cells.Count > 0)
        {
            EndCell();
            records.Add(cells);
        }

        return records;
    }

    /// <summary>A cell's text with the apostrophe <see cref="Cell"/> put before = + - @ (tab, CR) taken off again.</summary>
    public static string Unneutralised(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 1 && text[0] == '\'' && text[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? text[1..] : text;
    }

    /// <summary>Opens a CSV file for writing (UTF-8 with BOM) and writes its header.</summary>
    public static StreamWriter Create(string path, IEnumerable<string> header)
    {
        var writer = new StreamWriter(path, append: false, Utf8WithBom) { NewLine = "\r\n" };
        writer.Write(Line(header));
        return writer;
    }
}
