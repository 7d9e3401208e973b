using System.Runtime.CompilerServices;
using System.Text;
using Dxmig.Extractors.Csv;
using Dxmig.Platform.Contracts;
using Dxmig.Platform.Records;
using Dxmig.Platform.Text;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Cess;

/// <summary>
/// Reads a CESS staff-directory export (電子職員録; CP932 or UTF-8 with BOM), streaming; the source key is the employee
/// id (職員番号), the version the row's content hash. Every row becomes an item: bad bytes, an unclosed quote, the
/// wrong number of columns or a missing employee id are quarantined with file and line; a row repeated word for word
/// is skipped (<c>duplicate-row</c>); a second row for the same id with other content is quarantined
/// (<c>duplicate-key</c>, naming the first line). After the last row, people the target holds who are gone from the
/// export are yielded as removals, within <see cref="StaffSourceOptions.Removals"/>' threshold.
/// </summary>
public sealed class StaffCsvExtractor(StaffSourceOptions options, ILogger<StaffCsvExtractor> logger) : IExtractor<StaffEntry>
{
    public const string SystemName = "cess-staff";
    public const string Container = "staff";

    public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SourceEstimate?>(File.Exists(options.File) ? new SourceEstimate(null, new FileInfo(options.File).Length) : null);

    public async IAsyncEnumerable<SourceItem<StaffEntry>> ExtractAsync(
        string account, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var export = await CsvExport.OpenAsync(
            options.File, options.Encoding, options.FieldMap.Fields, ("職員録ファイル", "staff-directory export"), logger, cancellationToken))
        {
            if (export is null)
            {
                yield break;
            }

            var seen = new Dictionary<string, (int Line, string Hash)>(StringComparer.Ordinal);
            while (await export.ReadAsync(cancellationToken) is { } record)
            {
                yield return ToItem(account, export, record, seen, present);
            }
        }

        if (options.Removals is { } safety)
        {
            await foreach (var removal in RemovalsAsync(account, safety, present, context, cancellationToken))
            {
                yield return removal;
            }
        }
    }

    /// <summary>An employee id as the key: trimmed, full-width digits and letters narrowed (NFKC).</summary>
    public static string NormalizeId(string value) => (value ?? string.Empty).Normalize(NormalizationForm.FormKC).Trim();

    private async IAsyncEnumerable<SourceItem<StaffEntry>> RemovalsAsync(
        string account, Platform.Pipeline.DeletionSafety safety, HashSet<string> present, ExtractContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var allowed = await Platform.Pipeline.RemovalScan.DecideAsync(
            safety, context, Container, present.Contains,
            (count, percent) => (
                $"要確認: 職員録から {count} 人 ({percent:0.#}%) が消えていますが、しきい値 ({safety.MaxCount} 人・{safety.MaxPercent}%) を超えるため削除しませんでした。削除予定の一覧を確認し、dxmig run --confirm-deletes RUNID で確定してください",
                $"needs attention: {count} staff ({percent:0.#}%) are gone from the export, over the threshold ({safety.MaxCount} / {safety.MaxPercent}%): nothing was deleted; review the pending-deletions list and confirm with dxmig run --confirm-deletes RUNID"),
            cancellationToken);
        foreach (var (nativeId, _) in allowed)
        {
            var entry = new StaffEntry { File = Path.GetFileName(options.File), Line = 0, EmployeeId = nativeId };
            yield return SourceItem<StaffEntry>.Ok(Key(account, nativeId, "removed"), "removed", 0, $"職員番号 {nativeId} (removed)", entry) with { Removal = true };
        }
    }

    private static SourceItem<StaffEntry> ToItem(
        string account, CsvExport export, CsvRawRecord record, Dictionary<string, (int Line, string Hash)> seen, HashSet<string> present)
    {
        var fileName = export.FileName;
        var encoding = export.Encoding;
        var columns = export.Columns;
        var location = $"{fileName}:{record.Line}";
        var lineId = $"line:{record.Line}";
        var rawHash = ContentHash.Of(record.Raw);

        SourceItem<StaffEntry> Bad(string nativeId, string hash, ItemProblem problem) =>
            SourceItem<StaffEntry>.Bad(Key(account, nativeId, hash), hash, record.Length, location, problem);

        if (CsvExport.Malformed(record) is { } malformed)
        {
            return Bad(lineId, rawHash, malformed);
        }

        var (values, problem) = CsvRowDecoder.Decode(record, encoding);
        if (values is null)
        {
            // A person whose row cannot be read is still there: never take them for removed.
            if (CsvRowDecoder.TryField(record, columns["employee-id"], encoding) is { } salvaged && NormalizeId(salvaged) is { Length: > 0 } id)
            {
                present.Add(id);
            }

            return Bad(lineId, rawHash, problem!);
        }

        if (export.ColumnCountProblem(record, values) is { } columnCount)
        {
            return Bad(lineId, rawHash, columnCount);
        }

        string Get(string field) => columns.TryGetValue(field, out var index) && index < values.Length ? values[index] : string.Empty;
        var entry = new StaffEntry
        {
            File = fileName,
            Line = record.Line,
            EmployeeId = Get("employee-id"),
            Name = Get("name"),
            Kana = Get("kana"),
            Romaji = Get("romaji"),
            DepartmentCode = Get("department-code"),
            DepartmentName = Get("department-name"),
            Title = Get("title"),
            Phone = Get("phone"),
            Extension = Get("extension"),
            Email = Get("email"),
            Office = Get("office"),
            StartDate = Get("start-date"),
        };
        var hash = ContentHash.OfFields(entry.Fields());
        if (entry.Fields().All(string.IsNullOrWhiteSpace))
        {
            return Bad(lineId, hash, ItemProblem.Skip("empty-row", $"行 {record.Line} は空の行です", $"line {record.Line} is empty"));
        }

        var nativeId = NormalizeId(entry.EmployeeId);
        if (nativeId.Length == 0)
        {
            return Bad(lineId, hash, ItemProblem.Quarantine(
                "missing-key", $"行 {record.Line}: 職員番号がありません", $"line {record.Line}: the employee id (職員番号) is missing"));
        }

        present.Add(nativeId);
        if (seen.TryGetValue(nativeId, out var first))
        {
            var duplicateId = $"{nativeId}#{lineId}";
            return first.Hash == hash
                ? Bad(duplicateId, hash, ItemProblem.Skip(
                    "duplicate-row", $"行 {record.Line} は行 {first.Line} と同じ内容です", $"line {record.Line} repeats line {first.Line} exactly"))
                : Bad(duplicateId, hash, ItemProblem.Quarantine(
                    "duplicate-key",
                    $"行 {record.Line}: 職員番号 {nativeId} が行 {first.Line} と重複し、内容が違います",
                    $"line {record.Line}: employee id {nativeId} repeats line {first.Line} with different content"));
        }

        seen[nativeId] = (record.Line, hash);
        return SourceItem<StaffEntry>.Ok(Key(account, nativeId, hash), hash, record.Length, location, entry);
    }

    private static SourceKey Key(string account, string nativeId, string hash) =>
        new(SystemName, account, Container, nativeId, hash.Length > 16 ? hash[..16] : hash);
}
