using System.Runtime.CompilerServices;
using System.Text;
using Dxmig.Extractors.Csv;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Mobile;

/// <summary>
/// Streams the rows of one mobile-work export as items: bad bytes, an unclosed quote, the wrong number of columns, an
/// empty row or a missing key are quarantined (or skipped) with file and line; a row repeated word for word is skipped
/// (<c>duplicate-row</c>); a second row for the same key with other content is quarantined (<c>duplicate-key</c>).
/// The key is the row's key field, NFKC-narrowed and trimmed (an optional <c>keySuffix</c> joins another field, as for
/// a person with permissions for two systems).
/// </summary>
public static class MobileCsvRows
{
    /// <summary>The rows of <paramref name="file"/>, each an item keyed (system, account, container, key, hash).</summary>
    /// <exception cref="AccountFailedException">The file cannot be opened, or its header does not fit the field map.</exception>
    public static async IAsyncEnumerable<SourceItem<T>> ReadAsync<T>(
        string file, CsvEncodingChoice encoding, MobileFieldMap map, (string Japanese, string English) what, SourceKey keyBase,
        Func<Func<string, string>, string, int, T> build, Func<T, string>? keySuffix, ILogger logger,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : MobileEntry
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(build);
        await using var export = await CsvExport.OpenAsync(file, encoding, map.Fields, what, logger, cancellationToken);
        if (export is null)
        {
            yield break;
        }

        var seen = new Dictionary<string, (int Line, string Hash)>(StringComparer.Ordinal);
        while (await export.ReadAsync(cancellationToken) is { } record)
        {
            yield return ToItem(export, record, map, keyBase, build, keySuffix, seen);
        }
    }

    /// <summary>A key as the exports write it: trimmed, full-width digits and letters narrowed (NFKC).</summary>
    public static string NormalizeKey(string value) => (value ?? string.Empty).Normalize(NormalizationForm.FormKC).Trim();

    private static SourceItem<T> ToItem<T>(
        CsvExport export, CsvRawRecord record, MobileFieldMap map, SourceKey keyBase, Func<Func<string, string>, string, int, T> build,
        Func<T, string>? keySuffix, Dictionary<string, (int Line, string Hash)> seen)
        where T : MobileEntry
    {
        var location = $"{export.FileName}:{record.Line}";
        var lineId = $"line:{record.Line}";
        SourceItem<T> Bad(string nativeId, string hash, ItemProblem problem) =>
            SourceItem<T>.Bad(keyBase with { NativeId = nativeId, Version = Short(hash) }, hash, record.Length, location, problem);

        if (CsvExport.Malformed(record) is { } malformed)
        {
            return Bad(lineId, ContentHash.Of(record.Raw), malformed);
        }

        var (values, problem) = CsvRowDecoder.Decode(record, export.Encoding);
        if (values is null)
        {
            return Bad(lineId, ContentHash.Of(record.Raw), problem!);
        }

        if (export.ColumnCountProblem(record, values) is { } columnCount)
        {
            return Bad(lineId, ContentHash.Of(record.Raw), columnCount);
        }

        string Get(string field) => export.Columns.TryGetValue(field, out var index) && index < values.Length ? values[index] : string.Empty;
        var entry = build(Get, export.FileName, record.Line);
        var hash = ContentHash.OfFields(entry.Fields());
        if (entry.Fields().All(string.IsNullOrWhiteSpace))
        {
            return Bad(lineId, hash, ItemProblem.Skip("empty-row", $"行 {record.Line} は空の行です", $"line {record.Line} is empty"));
        }

        var key = NormalizeKey(Get(map.KeyField));
        if (key.Length == 0)
        {
            return Bad(lineId, hash, ItemProblem.Quarantine(
                "missing-key", $"行 {record.Line}: {map.Fields[map.KeyField].Columns[0]} がありません", $"line {record.Line}: the key ({map.KeyField}) is missing"));
        }

        if (keySuffix?.Invoke(entry) is { Length: > 0 } suffix)
        {
            key = $"{key}/{NormalizeKey(suffix)}";
        }

        if (seen.TryGetValue(key, out var first))
        {
            return first.Hash == hash
                ? Bad($"{key}#{lineId}", hash, ItemProblem.Skip(
                    "duplicate-row", $"行 {record.Line} は行 {first.Line} と同じ内容です", $"line {record.Line} repeats line {first.Line} exactly"))
                : Bad($"{key}#{lineId}", hash, ItemProblem.Quarantine(
                    "duplicate-key",
                    $"行 {record.Line}: {key} が行 {first.Line} と重複し、内容が違います",
                    $"line {record.Line}: {key} repeats line {first.Line} with different content"));
        }

        seen[key] = (record.Line, hash);
        return SourceItem<T>.Ok(keyBase with { NativeId = key, Version = Short(hash) }, hash, record.Length, location, entry);
    }

    private static string Short(string hash) => hash.Length > 16 ? hash[..16] : hash;
}
