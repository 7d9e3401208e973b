using System.Runtime.CompilerServices;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Csv;

/// <summary>
/// Reads a CSV export whose rows have a natural key (予定 ID, 予約 ID), streaming; the source key is that id, the
/// version the row's content hash. Every row becomes an item: bad bytes, an unclosed quote, the wrong number of columns
/// or a missing key are quarantined with file and line; a row repeated word for word is skipped (<c>duplicate-row</c>);
/// a second row for the same key with other content is quarantined (<c>duplicate-key</c>, naming the first line).
/// After the last row, keys the ledger holds as loaded that are gone from the export are yielded as removals, within
/// the options' deletion threshold; above it nothing is removed and the run warns.
/// </summary>
public abstract class KeyedCsvExtractor<T>(KeyedCsvOptions options, ILogger logger) : IExtractor<T>
    where T : CsvRowEntry
{
    /// <summary>The longest natural key the platform store's tables hold (their key columns are 64 characters).</summary>
    public const int MaxKeyLength = 64;

    /// <summary>The source system of the keys (<c>cess-schedules</c>).</summary>
    protected abstract string KeySystem { get; }

    /// <summary>The container of the keys (<c>schedules</c>).</summary>
    protected abstract string KeyContainer { get; }

    /// <summary>The field holding the natural key.</summary>
    protected abstract string KeyField { get; }

    /// <summary>The export and its key as a person says them (Japanese, English): ("スケジュールファイル", "schedule export"), ("予定ID", "schedule id").</summary>
    protected abstract (string Japanese, string English) FileName { get; }

    protected abstract (string Japanese, string English) KeyName { get; }

    /// <summary>The rows as the removal warning names them: source (職員録), unit (人, 件), English noun (staff, schedules).</summary>
    protected abstract (string Source, string Unit, string English) RowsName { get; }

    protected KeyedCsvOptions Options { get; } = options;

    /// <summary>The entry of one decoded row; <paramref name="field"/> gives a field's text (empty when unmapped).</summary>
    protected abstract T Create(string file, int line, Func<string, string> field);

    /// <summary>The entry a removal carries (the key alone).</summary>
    protected abstract T Removed(string file, string nativeId);

    public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SourceEstimate?>(File.Exists(Options.File) ? new SourceEstimate(null, new FileInfo(Options.File).Length) : null);

    /// <summary>A key: trimmed, full-width digits and letters narrowed (NFKC).</summary>
    public static string NormalizeId(string value) => SourceText.Narrow(value);

    public async IAsyncEnumerable<SourceItem<T>> ExtractAsync(string account, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var present = new HashSet<UInt128>();
        await using (var export = await CsvExport.OpenAsync(Options.File, Options.Encoding, Options.Fields, FileName, logger, cancellationToken))
        {
            if (export is null)
            {
                yield break;
            }

            // Per key (as a 128-bit digest): its first line and 64 bits of its content hash, 44 bytes a key.
            var seen = new Dictionary<UInt128, (int Line, ulong Hash)>();
            while (await export.ReadAsync(cancellationToken) is { } record)
            {
                yield return ToItem(account, export, record, seen, present);
            }
        }

        if (Options.Removals is not { } safety)
        {
            yield break;
        }

        var allowed = await Platform.Pipeline.RemovalScan.DecideAsync(
            safety, context, KeyContainer, id => present.Contains(KeyDigest.Of(id)),
            (count, percent) => (
                $"要確認: {RowsName.Source}から {count} {RowsName.Unit} ({percent:0.#}%) が消えていますが、しきい値 ({safety.MaxCount} {RowsName.Unit}・{safety.MaxPercent}%) を超えるため削除しませんでした。削除予定の一覧を確認し、dxmig run --confirm-deletes RUNID で確定してください",
                $"needs attention: {count} {RowsName.English} ({percent:0.#}%) are gone from the export, over the threshold ({safety.MaxCount} / {safety.MaxPercent}%): nothing was deleted; review the pending-deletions list and confirm with dxmig run --confirm-deletes RUNID"),
            cancellationToken);
        foreach (var (nativeId, _) in allowed)
        {
            yield return SourceItem<T>.Ok(Key(account, nativeId, "removed"), "removed", 0, $"{KeyName.Japanese} {nativeId} (removed)", Removed(Path.GetFileName(Options.File), nativeId)) with { Removal = true };
        }
    }

    private SourceItem<T> ToItem(string account, CsvExport export, CsvRawRecord record, Dictionary<UInt128, (int Line, ulong Hash)> seen, HashSet<UInt128> present)
    {
        var location = $"{export.FileName}:{record.Line}";
        var lineId = $"line:{record.Line}";
        SourceItem<T> Bad(string nativeId, string hash, ItemProblem problem) =>
            SourceItem<T>.Bad(Key(account, nativeId, hash), hash, record.Length, location, problem);

        // A row that could not be read is identified by its bytes; only such rows need that hash.
        string RawHash() => ContentHash.Of(record.Raw);

        if (CsvExport.Malformed(record) is { } malformed)
        {
            return Bad(lineId, RawHash(), malformed);
        }

        var (values, problem) = CsvRowDecoder.Decode(record, export.Encoding);
        if (values is null)
        {
            // A row that cannot be read is still there: never take it for removed.
            if (Options.Removals is not null && CsvRowDecoder.TryField(record, export.Columns[KeyField], export.Encoding) is { } salvaged && NormalizeId(salvaged) is { Length: > 0 } id)
            {
                present.Add(KeyDigest.Of(id));
            }

            return Bad(lineId, RawHash(), problem!);
        }

        if (export.ColumnCountProblem(record, values) is { } columnCount)
        {
            return Bad(lineId, RawHash(), columnCount);
        }

        var columns = export.Columns;
        var entry = Create(export.FileName, record.Line, field => columns.TryGetValue(field, out var index) && index < values.Length ? values[index] : string.Empty);
        var fields = entry.Fields().ToList();
        var hash = ContentHash.OfFields(fields);
        if (fields.TrueForAll(string.IsNullOrWhiteSpace))
        {
            return Bad(lineId, hash, ItemProblem.Skip("empty-row", $"行 {record.Line} は空の行です", $"line {record.Line} is empty"));
        }

        var nativeId = NormalizeId(values[columns[KeyField]]);
        if (nativeId.Length == 0)
        {
            return Bad(lineId, hash, ItemProblem.Quarantine(
                "missing-key", $"行 {record.Line}: {KeyName.Japanese}がありません", $"line {record.Line}: the {KeyName.English} ({KeyName.Japanese}) is missing"));
        }

        var digest = KeyDigest.Of(nativeId);
        if (Options.Removals is not null)
        {
            present.Add(digest);
        }

        if (nativeId.Length > MaxKeyLength)
        {
            // The platform store keeps keys in 64 characters; PostgreSQL would refuse the whole batch for one such row.
            return Bad($"line:{record.Line}", hash, ItemProblem.Quarantine(
                "key-too-long",
                $"行 {record.Line}: {KeyName.Japanese}が {nativeId.Length} 文字あり、上限 {MaxKeyLength} 文字を超えます",
                $"line {record.Line}: the {KeyName.English} has {nativeId.Length} characters, over the limit of {MaxKeyLength}"));
        }

        var shortHash = Convert.ToUInt64(hash[..16], 16);
        if (seen.TryGetValue(digest, out var first))
        {
            var duplicateId = $"{nativeId}#{lineId}";
            return first.Hash == shortHash
                ? Bad(duplicateId, hash, ItemProblem.Skip(
                    "duplicate-row", $"行 {record.Line} は行 {first.Line} と同じ内容です", $"line {record.Line} repeats line {first.Line} exactly"))
                : Bad(duplicateId, hash, ItemProblem.Quarantine(
                    "duplicate-key",
                    $"行 {record.Line}: {KeyName.Japanese} {nativeId} が行 {first.Line} と重複し、内容が違います",
                    $"line {record.Line}: {KeyName.English} {nativeId} repeats line {first.Line} with different content"));
        }

        seen[digest] = (record.Line, shortHash);
        return SourceItem<T>.Ok(Key(account, nativeId, hash), hash, record.Length, location, entry);
    }

    private SourceKey Key(string account, string nativeId, string hash) =>
        new(KeySystem, account, KeyContainer, nativeId, hash.Length > 16 ? hash[..16] : hash);
}
