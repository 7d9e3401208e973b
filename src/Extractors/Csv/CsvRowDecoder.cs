using System.Text;
using Dxmig.Contracts;

namespace Dxmig.Extractors.Csv;

/// <summary>Decodes one raw record's fields strictly, or says which field holds bytes the encoding cannot read.</summary>
public static class CsvRowDecoder
{
    /// <summary>
    /// The decoded fields, or the quarantine problem naming the line and column: <c>bad-bytes</c> (with the bytes) or
    /// <c>nul-byte</c>. A BOM at the start of the record (one export appended to another) is dropped from the first field.
    /// </summary>
    public static (string[]? Values, ItemProblem? Problem) Decode(CsvRawRecord record, Encoding encoding)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(encoding);
        var values = new string[record.Fields.Count];
        for (var i = 0; i < values.Length; i++)
        {
            try
            {
                values[i] = encoding.GetString(record.Field(i));
                if (values[i].Contains('\0', StringComparison.Ordinal))
                {
                    // A NUL is no text in any export (a damaged file), and PostgreSQL cannot store it: it would fail the whole batch.
                    return (null, ItemProblem.Quarantine(
                        "nul-byte",
                        $"行 {record.Line} の {i + 1} 列目に NUL (0x00) があります",
                        $"line {record.Line}, column {i + 1}: holds a NUL byte (0x00)"));
                }
            }
            catch (DecoderFallbackException ex)
            {
                var bytes = ex.BytesUnknown is { Length: > 0 } unknown ? Convert.ToHexString(unknown) : "?";
                var name = encoding.CodePage == 932 ? "CP932" : "UTF-8";
                return (null, ItemProblem.Quarantine(
                    "bad-bytes",
                    $"行 {record.Line} の {i + 1} 列目に {name} として読めないバイト列 0x{bytes} があります",
                    $"line {record.Line}, column {i + 1}: bytes 0x{bytes} are not valid {name}"));
            }
        }

        // A BOM in the middle of a UTF-8 file (two exports concatenated) starts a line; it is no part of the first value.
        if (values.Length > 0 && values[0].StartsWith('\uFEFF'))
        {
            values[0] = values[0].TrimStart('\uFEFF');
        }

        return (values, null);
    }

    /// <summary>One field decoded, or null when its bytes are not valid (to salvage a key from a row with bad bytes).</summary>
    public static string? TryField(CsvRawRecord record, int index, Encoding encoding)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(encoding);
        if (index < 0 || index >= record.Fields.Count)
        {
            return null;
        }

        try
        {
            return encoding.GetString(record.Field(index));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
