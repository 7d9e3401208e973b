using System.Text;
using Dxmig.Extractors.AddressBook;
using Dxmig.Contracts;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Csv;

/// <summary>
/// One CSV export opened for reading: the file streamed, its encoding detected (or as configured), its header row
/// mapped to the field map's fields; then the raw records one by one. Shared by the address-book and CESS extractors.
/// </summary>
public sealed class CsvExport : IAsyncDisposable
{
    private readonly FileStream stream;
    private readonly ByteCsvReader reader;

    private readonly string[]? headerValues;

    private CsvExport(FileStream stream, ByteCsvReader reader, Encoding encoding, CsvRawRecord header, Dictionary<string, int> columns)
    {
        this.stream = stream;
        this.reader = reader;
        Encoding = encoding;
        FileName = Path.GetFileName(stream.Name);
        Columns = columns;
        ColumnCount = header.Fields.Count;
        headerValues = CsvRowDecoder.Decode(header, encoding).Values;
    }

    public string FileName { get; }

    public Encoding Encoding { get; }

    /// <summary>Field → column index.</summary>
    public Dictionary<string, int> Columns { get; }

    /// <summary>Columns in the header row.</summary>
    public int ColumnCount { get; }

    /// <summary>Opens the export; null when it is empty (no header row). <c>what</c> names the file (ja, en) in the message when it cannot be opened.</summary>
    /// <exception cref="AccountFailedException">The file cannot be opened, is UTF-16, or its header does not fit the field map.</exception>
    public static async Task<CsvExport?> OpenAsync(
        string path, CsvEncodingChoice choice, IReadOnlyDictionary<string, FieldRule> fields, (string Japanese, string English) what, ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AccountFailedException(
                $"{what.Japanese} {path} を開けません ({ex.GetType().Name})", $"cannot open the {what.English} {path} ({ex.GetType().Name})", ex);
        }

        try
        {
            var (encoding, encodingName) = await CsvEncoding.DetectAsync(stream, choice, cancellationToken);
            logger.LogInformation("{File}: 文字コード / encoding {Encoding}", Path.GetFileName(path), encodingName);
            if (encoding is UnicodeEncoding)
            {
                // Splitting is byte-wise (commas, quotes and line ends as single bytes), which UTF-16 text is not.
                throw new AccountFailedException(
                    $"{what.Japanese} {path} は UTF-16 (Excel の「Unicode テキスト」) で保存されています。UTF-8 か CP932 (「CSV (コンマ区切り)」) で保存し直してください",
                    $"the {what.English} {path} is saved as UTF-16 (Excel's \"Unicode Text\"); save it as UTF-8 or CP932 (\"CSV (Comma delimited)\")");
            }

            var reader = new ByteCsvReader(stream);
            if (await reader.ReadAsync(cancellationToken) is not { } header)
            {
                await stream.DisposeAsync();
                return null;
            }

            var columns = CsvHeaderMap.Map(header, encoding, Path.GetFileName(path), fields, logger);
            return new CsvExport(stream, reader, encoding, header, columns);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The next raw record, or null at the end.</summary>
    public ValueTask<CsvRawRecord?> ReadAsync(CancellationToken cancellationToken) => reader.ReadAsync(cancellationToken);

    /// <summary>The quarantine problem of a record the splitter could not close (an unbalanced quote), or null.</summary>
    public static ItemProblem? Malformed(CsvRawRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Malformed is null
            ? null
            : ItemProblem.Quarantine("malformed-row", $"行 {record.Line}: {record.Malformed}", $"line {record.Line}: {record.Malformed}");
    }

    /// <summary>
    /// The problem of a row whose column count is not the header's (empty trailing columns allowed), or null. A row that
    /// repeats the header (two exports joined into one file) is skipped by the rule <c>repeated-header</c> rather than
    /// quarantined under whichever field check it happened to fail first.
    /// </summary>
    public ItemProblem? ColumnCountProblem(CsvRawRecord record, string[] values)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(values);
        if (headerValues is { Length: > 0 } names && values.Length >= names.Length
            && names.Select((name, i) => name.Trim() == values[i].Trim()).All(same => same)
            && values.Skip(names.Length).All(v => v.Length == 0))
        {
            return ItemProblem.Skip(
                "repeated-header",
                $"行 {record.Line}: 見出し行の繰り返しです (二つの出力をつないだファイル)",
                $"line {record.Line}: the header row again (two exports joined into one file)");
        }
        var trailingEmpty = values.Length > ColumnCount && values.Skip(ColumnCount).All(v => v.Length == 0);
        return values.Length == ColumnCount || trailingEmpty
            ? null
            : ItemProblem.Quarantine(
                "column-count",
                $"行 {record.Line}: 列の数が {values.Length} です (見出しは {ColumnCount} 列)",
                $"line {record.Line}: {values.Length} columns where the header has {ColumnCount}");
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
