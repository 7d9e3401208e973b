using System.Text;
using Dxmig.Extractors.AddressBook;
using Dxmig.Contracts;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Csv;

/// <summary>Finds each mapped field's column in an export's header row, by the header texts the field map accepts.</summary>
public static class CsvHeaderMap
{
    /// <summary>Field → column index; unused columns are logged.</summary>
    /// <exception cref="AccountFailedException">The header cannot be decoded, or a required field has no column.</exception>
    public static Dictionary<string, int> Map(
        CsvRawRecord header, Encoding encoding, string fileName, IReadOnlyDictionary<string, FieldRule> fields, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(encoding);
        ArgumentNullException.ThrowIfNull(fields);
        var names = new List<string>();
        for (var i = 0; i < header.Fields.Count; i++)
        {
            names.Add(CsvRowDecoder.TryField(header, i, encoding)?.Trim().Trim('\uFEFF') ?? throw new AccountFailedException(
                $"{fileName}:{header.Line}: 見出し行の {i + 1} 列目が {encoding.WebName} として読めません。文字コード設定を確認してください",
                $"{fileName}:{header.Line}: header column {i + 1} is not valid {encoding.WebName}; check the encoding setting"));
        }

        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var (field, rule) in fields)
        {
            var index = names.FindIndex(n => rule.Columns.Contains(n, StringComparer.OrdinalIgnoreCase));
            if (index >= 0)
            {
                result[field] = index;
            }
            else if (rule.Required)
            {
                missing.Add(string.Join(" / ", rule.Columns));
            }
        }

        if (missing.Count > 0)
        {
            throw new AccountFailedException(
                $"{fileName}:{header.Line}: 必須の列がありません: {string.Join(", ", missing)} (見出し: {string.Join(",", names)})",
                $"{fileName}:{header.Line}: required columns are missing: {string.Join(", ", missing)} (header: {string.Join(",", names)})");
        }

        var unknown = names.Where((n, i) => !result.ContainsValue(i) && n.Length > 0).ToList();
        if (unknown.Count > 0)
        {
            logger.LogWarning("{File}: 使わない列 / unused columns: {Columns}", fileName, string.Join(", ", unknown));
        }

        return result;
    }
}
