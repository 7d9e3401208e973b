using System.Text;

namespace Dxmig.Contracts.Mappings;

/// <summary>
/// Reads the small UTF-8 mapping CSVs of mappings/ (identity, 外字): a header, then rows of plain or quoted fields;
/// blank lines and lines starting with # are passed over. Each row keeps its line number for messages.
/// </summary>
internal static class SimpleCsv
{
    public static IEnumerable<(int Line, string[] Fields)> Read(string path)
    {
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            var line = raw.TrimStart('\uFEFF');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            yield return (lineNumber, Split(line));
        }
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
