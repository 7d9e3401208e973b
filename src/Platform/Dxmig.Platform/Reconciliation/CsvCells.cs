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

    /// <summary>Opens a CSV file for writing (UTF-8 with BOM) and writes its header.</summary>
    public static StreamWriter Create(string path, IEnumerable<string> header)
    {
        var writer = new StreamWriter(path, append: false, Utf8WithBom) { NewLine = "\r\n" };
        writer.Write(Line(header));
        return writer;
    }
}
