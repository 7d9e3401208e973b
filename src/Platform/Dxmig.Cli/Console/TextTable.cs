using System.Text;

namespace Dxmig.Cli.Console;

/// <summary>How a column's cells may be laid out when the terminal is narrow.</summary>
public enum CellKind
{
    /// <summary>A name (account, job, run): never split, never dropped.</summary>
    Name,

    /// <summary>A number or a short fixed value (date, duration): never split, right-aligned.</summary>
    Number,

    /// <summary>Words: wrapped at spaces (and between Japanese characters) when the column must be narrower.</summary>
    Text,
}

/// <summary>
/// A column: its header (bilingual, wrapped at spaces only), how its cells fit, and how important it is: priority 0 is
/// always shown; higher numbers are left out first when the terminal is too narrow.
/// </summary>
public sealed record TextColumn(string Header, CellKind Kind = CellKind.Text, int Priority = 0);

/// <summary>A cell's text and, on a colour terminal, its style (Spectre style such as "green").</summary>
public readonly record struct TextCell(string Text, string? Style = null)
{
    public static implicit operator TextCell(string text) => new(text);

    public static TextCell FromString(string text) => new(text);
}

/// <summary>
/// The one table every command prints. On a terminal (<see cref="CliIo.Width"/> known) it fits the width: wrappable
/// columns wrap at word boundaries, then the least important columns are left out (and named below the table); a name
/// or a header word is never split. Piped (width unknown): one record per line, cells separated by a tab, no padding
/// and no trailing spaces, so the output greps and cuts cleanly.
/// </summary>
public sealed class TextTable(string? title = null)
{
    private const string Gap = "  ";
    private readonly List<TextColumn> columns = [];
    private readonly List<TextCell[]> rows = [];

    public IReadOnlyList<TextColumn> Columns => columns;

    public TextTable Column(string header, CellKind kind = CellKind.Text, int priority = 0)
    {
        columns.Add(new TextColumn(header, kind, priority));
        return this;
    }

    public TextTable Row(params TextCell[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != columns.Count)
        {
            throw new ArgumentException($"a row of {cells.Length} cells for {columns.Count} columns", nameof(cells));
        }

        rows.Add(cells);
        return this;
    }

    /// <summary>Writes the table to <paramref name="io"/>'s output, laid out for its width.</summary>
    public void Write(CliIo io)
    {
        ArgumentNullException.ThrowIfNull(io);
        foreach (var line in Render(io.Width))
        {
            io.Styled(line);
        }
    }

    /// <summary>The lines of the table for a terminal <paramref name="width"/> columns wide, or piped (null): each a list of styled segments.</summary>
    public IReadOnlyList<IReadOnlyList<TextCell>> Render(int? width)
    {
        var lines = new List<IReadOnlyList<TextCell>>();
        if (width is not { } max)
        {
            if (title is not null)
            {
                lines.Add([new TextCell(OneLine(title))]);
            }

            lines.Add([new TextCell(string.Join('\t', columns.Select(c => OneLine(c.Header))))]);
            foreach (var row in rows)
            {
                var segments = new List<TextCell>();
                for (var i = 0; i < row.Length; i++)
                {
                    var text = OneLine(row[i].Text);
                    segments.Add(new TextCell((i > 0 ? "\t" : string.Empty) + (text.Length == 0 ? "-" : text), row[i].Style));
                }

                lines.Add(segments);
            }

            return lines;
        }

        var (shown, widths) = Fit(max);
        if (title is not null)
        {
            lines.AddRange(DisplayWidth.Wrap(title, max, 2).Select(l => (IReadOnlyList<TextCell>)[new TextCell(l)]));
        }

        AddRow(lines, [.. shown.Select(i => new TextCell(columns[i].Header))], shown, widths, header: true);
        lines.Add([new TextCell(string.Join(Gap, shown.Select(i => new string('─', widths[i]))))]);
        foreach (var row in rows)
        {
            AddRow(lines, [.. shown.Select(i => row[i])], shown, widths, header: false);
        }

        var dropped = Enumerable.Range(0, columns.Count).Except(shown).ToList();
        if (dropped.Count > 0)
        {
            var names = string.Join(", ", dropped.Select(i => columns[i].Header));
            var note = $"(画面の幅が足りないため省略した列 / columns left out to fit the screen: {names}; 広い端末か COLUMNS=200 で表示 / a wider terminal or COLUMNS=200 shows them)";
            lines.AddRange(DisplayWidth.Wrap(note, max, 1).Select(l => (IReadOnlyList<TextCell>)[new TextCell(l, "grey")]));
        }

        return lines;
    }

    /// <summary>The columns shown (in order) and each column's width, for a terminal <paramref name="max"/> columns wide.</summary>
    internal (IReadOnlyList<int> Shown, int[] Widths) Fit(int max)
    {
        var natural = new int[columns.Count];
        var comfortable = new int[columns.Count];
        var minimum = new int[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            var cells = rows.Select(r => r[i].Text).ToList();
            var header = columns[i].Header;
            var widest = cells.Select(DisplayWidth.Of).DefaultIfEmpty(0).Max();
            natural[i] = Math.Max(DisplayWidth.Of(header), widest);
            comfortable[i] = Math.Max(widest, header.Split(" / ", 2) is [var ja, var en] ? Math.Max(DisplayWidth.Of(ja), DisplayWidth.Of(en) + 2) : DisplayWidth.Of(header));
            minimum[i] = Math.Min(comfortable[i], Math.Max(
                HeaderMinimum(header),
                columns[i].Kind == CellKind.Text ? cells.Select(DisplayWidth.LongestWord).DefaultIfEmpty(0).Max() : widest));
        }

        var shown = Enumerable.Range(0, columns.Count).ToList();
        int Total(Func<int, int> width) => shown.Sum(width) + (Gap.Length * (shown.Count - 1));
        while (Total(i => minimum[i]) > max && shown.Where(i => columns[i].Priority > 0).OrderByDescending(i => columns[i].Priority).ThenByDescending(i => i).FirstOrDefault(-1) is var drop and >= 0)
        {
            shown.Remove(drop);
        }

        // First headers go on two lines (Japanese, then "/ English") and long texts wrap, then what must, down to the
        // narrowest that keeps every word whole.
        var widths = (int[])natural.Clone();
        foreach (var floor in new[] { comfortable, minimum })
        {
            while (Total(i => widths[i]) > max)
            {
                var shrink = shown.Where(i => widths[i] > floor[i]).OrderByDescending(i => widths[i] - floor[i]).ThenByDescending(i => widths[i]).FirstOrDefault(-1);
                if (shrink < 0)
                {
                    break; // Only names and numbers left, wider than the screen: shown whole rather than split.
                }

                widths[shrink]--;
            }
        }

        return (shown, widths);
    }

    /// <summary>A header wraps only at spaces (after the " / " between the languages first): its longest word.</summary>
    private static int HeaderMinimum(string header) => header.Split(' ').Select(DisplayWidth.Of).DefaultIfEmpty(0).Max();

    private void AddRow(List<IReadOnlyList<TextCell>> lines, TextCell[] cells, IReadOnlyList<int> shown, int[] widths, bool header)
    {
        var wrapped = new List<IReadOnlyList<string>>();
        for (var k = 0; k < cells.Length; k++)
        {
            var column = columns[shown[k]];
            var width = widths[shown[k]];
            var text = OneLine(cells[k].Text);
            wrapped.Add(header
                ? WrapHeader(text, width)
                : column.Kind == CellKind.Text ? DisplayWidth.Wrap(text, width) : [text]);
        }

        var height = wrapped.Max(w => w.Count);
        for (var line = 0; line < height; line++)
        {
            var segments = new List<TextCell>();
            var pending = 0;
            for (var k = 0; k < cells.Length; k++)
            {
                var column = columns[shown[k]];
                var width = widths[shown[k]];
                var text = line < wrapped[k].Count ? wrapped[k][line] : string.Empty;
                var pad = Math.Max(0, width - DisplayWidth.Of(text));
                var (left, right) = column.Kind == CellKind.Number && !header ? (pad, 0) : (0, pad);
                if (text.Length > 0)
                {
                    segments.Add(new TextCell(new string(' ', pending + (k > 0 ? Gap.Length : 0) + left)));
                    segments.Add(new TextCell(text, header ? "bold" : cells[k].Style));
                    pending = right;
                }
                else
                {
                    pending += (k > 0 ? Gap.Length : 0) + width;
                }
            }

            lines.Add(segments);
        }
    }

    /// <summary>A header wrapped at spaces only, preferring the break between the Japanese and the English.</summary>
    private static List<string> WrapHeader(string header, int width)
    {
        if (DisplayWidth.Of(header) <= width)
        {
            return [header];
        }

        var parts = header.Split(" / ", 2);
        if (parts.Length == 2 && DisplayWidth.Of(parts[0]) <= width && DisplayWidth.Of(parts[1]) + 2 <= width)
        {
            return [parts[0], "/ " + parts[1]];
        }

        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in header.Split(' '))
        {
            if (line.Length > 0 && DisplayWidth.Of(line.ToString()) + 1 + DisplayWidth.Of(word) > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : string.Empty).Append(word);
        }

        lines.Add(line.ToString());
        return lines;
    }

    /// <summary>A cell on one line: tabs and line breaks become spaces, spaces at the ends go.</summary>
    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim())).Trim();
}

/// <summary>A line of styled segments written to the output (colour only on a colour terminal).</summary>
internal static class StyledLine
{
    public static string Plain(IReadOnlyList<TextCell> segments) => string.Concat(segments.Select(s => s.Text)).TrimEnd();

    public static string Markup(IReadOnlyList<TextCell> segments) => string.Concat(segments.Select(s =>
        s.Style is null || s.Text.Trim().Length == 0 ? Spectre.Console.Markup.Escape(s.Text) : $"[{s.Style}]{Spectre.Console.Markup.Escape(s.Text)}[/]"));
}
