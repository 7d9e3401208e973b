using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Contracts.Mappings;

/// <summary>
/// Reads the small mapping CSVs of mappings/ (identity, departments, facilities, 外字): a header, then rows of plain or
/// quoted fields; blank lines and lines starting with # are passed over. Each row keeps its line number for messages.
/// The file is UTF-8 (with or without BOM) or CP932 (what Excel's "CSV (コンマ区切り)" writes), found as for the
/// exports (<see cref="TextFile"/>); text in neither is an error with its line, never mojibake.
/// </summary>
internal static class SimpleCsv
{
    /// <summary>The rows, or null when the file's text does not decode (the reason in <paramref name="diagnostics"/>).</summary>
    public static IReadOnlyList<(int Line, string[] Fields)>? Read(string path, DiagnosticBag diagnostics)
    {
        if (TextFile.Read(path, At(path, 0).File, diagnostics) is not { } decoded)
        {
            return null;
        }

        var rows = new List<(int Line, string[] Fields)>();
        var lineNumber = 0;
        using var reader = new StringReader(decoded.Text);
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            rows.Add((lineNumber, Split(line)));
        }

        return rows;
    }

    public static SourcePosition At(string path, int line) => new(DisplayPath.Of(path), line, 1);

    private static string[] Split(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"' && current.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString().Trim());
        return [.. fields];
    }
}
