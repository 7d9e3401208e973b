using System.Runtime.CompilerServices;
using System.Text;
using Dxmig.Extractors.Csv;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.AddressBook;

/// <summary>
/// Reads Active! Mail personal address-book exports (one CSV file per account; CP932 or UTF-8 with BOM), streaming.
/// Every row becomes an item: rows with bad bytes, the wrong number of columns, an unclosed quote, or neither name nor
/// mail address are yielded with their problem and line, to be quarantined; a row repeated word for word is skipped
/// by the rule <c>duplicate-row</c>; two different rows with the same name and address are a <c>duplicate-key</c>.
/// With a removal plan (<see cref="AddressBookSourceOptions.Removals"/>, decided for the whole run from
/// <see cref="ScanAsync"/>), the account's warning is raised first and, after the last row, the planned removals still
/// gone from the export are yielded; an account planned as "not read" (its export is gone) yields nothing.
/// </summary>
public sealed class AddressBookCsvExtractor(AddressBookSourceOptions options, ILogger<AddressBookCsvExtractor> logger) : IExtractor<AddressBookEntry>
{
    public const string SystemName = "activemail-addressbook";
    public const string Container = "addressbook";

    public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken)
    {
        // An account whose export is gone (run only to say so) has no estimate.
        return ValueTask.FromResult<SourceEstimate?>(
            options.Files.TryGetValue(account, out var path) && File.Exists(path) ? new SourceEstimate(null, new FileInfo(path).Length) : null);
    }

    public async IAsyncEnumerable<SourceItem<AddressBookEntry>> ExtractAsync(
        string account, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var plan = options.Removals;
        if (plan is not null && plan.Warnings.TryGetValue(account, out var warning))
        {
            context.Warn(warning.Japanese, warning.English);
        }

        if (plan is not null && plan.NotRead.Contains(account))
        {
            yield break;
        }

        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var export = await CsvExport.OpenAsync(
            PathOf(account), options.Encoding, options.FieldMap.Fields, ("アドレス帳ファイル", "address book export"), logger, cancellationToken))
        {
            if (export is null)
            {
                yield break;
            }

            var seen = new Dictionary<string, (int Line, string Hash)>(StringComparer.Ordinal);
            while (await export.ReadAsync(cancellationToken) is { } record)
            {
                var item = ToItem(account, export, record, seen);
                if (KeyOf(item) is { } id)
                {
                    present.Add(id);
                }

                yield return item;
            }
        }

        if (plan is null || !plan.Allowed.TryGetValue(account, out var removals))
        {
            yield break;
        }

        // Decided before the run; a row back in the export since (read again just now) is kept.
        foreach (var nativeId in removals.Where(id => !present.Contains(id)))
        {
            yield return SourceItem<AddressBookEntry>.Ok(new SourceKey(SystemName, account, Container, nativeId, "removed"), "removed", 0, $"{nativeId} (removed)", new AddressBookEntry { File = Path.GetFileName(PathOf(account)), Line = 0 })
                with { Removal = true };
        }
    }

    /// <summary>
    /// The contacts an account's export holds now (native ids), read without loading anything, for the run's removal
    /// plan: <see cref="ExportScan.Rows"/> 0 for an empty export; <see cref="ExportScan.Uncertain"/> when a row could
    /// not be read well enough to know which contact it is (an unreadable row may be any contact: none is taken for removed).
    /// </summary>
    /// <exception cref="AccountFailedException">The export cannot be opened or its header does not fit the field map.</exception>
    public async Task<ExportScan> ScanAsync(string account, CancellationToken cancellationToken)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        var rows = 0;
        var uncertain = false;
        await using var export = await CsvExport.OpenAsync(
            PathOf(account), options.Encoding, options.FieldMap.Fields, ("アドレス帳ファイル", "address book export"), logger, cancellationToken);
        if (export is null)
        {
            return new ExportScan(present, 0, false);
        }

        // Only the keys: a row is decoded as the run reads it, but no hash is taken (a repeated key is present either way,
        // whether its row repeats the first exactly or not).
        while (await export.ReadAsync(cancellationToken) is { } record)
        {
            var (entry, readable) = EntryOf(export, record);
            if (!readable)
            {
                rows++;
                uncertain = true;
                continue;
            }

            if (entry!.Fields().All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            rows++;
            if (NativeId(entry) is { } id)
            {
                present.Add(id);
            }
        }

        return new ExportScan(present, rows, uncertain);
    }

    /// <summary>The contact a row is (its native id, also for a duplicate), or null when the row does not say.</summary>
    private static string? KeyOf(SourceItem<AddressBookEntry> item)
    {
        var id = item.Key.NativeId;
        if (item.Problem is null)
        {
            return id;
        }

        var line = id.LastIndexOf("#line:", StringComparison.Ordinal);
        return line > 0 ? id[..line] : null;
    }

    private static SourceItem<AddressBookEntry> ToItem(string account, CsvExport export, CsvRawRecord record, Dictionary<string, (int Line, string Hash)> seen)
    {
        var location = $"{export.FileName}:{record.Line}";
        var lineId = $"line:{record.Line}";
        var rawHash = ContentHash.Of(record.Raw);

        SourceItem<AddressBookEntry> Bad(string nativeId, string hash, ItemProblem problem) =>
            SourceItem<AddressBookEntry>.Bad(Key(account, nativeId, hash), hash, record.Length, location, problem);

        if (CsvExport.Malformed(record) is { } malformed)
        {
            return Bad(lineId, rawHash, malformed);
        }

        var (values, problem) = CsvRowDecoder.Decode(record, export.Encoding);
        if (values is null)
        {
            return Bad(lineId, rawHash, problem!);
        }

        if (export.ColumnCountProblem(record, values) is { } columnCount)
        {
            return Bad(lineId, rawHash, columnCount);
        }

        var entry = Entry(export, record, values);
        var hash = ContentHash.OfFields(entry.Fields());

        if (entry.Fields().All(string.IsNullOrWhiteSpace))
        {
            return Bad(lineId, hash, ItemProblem.Skip("empty-row", $"行 {record.Line} は空の行です", $"line {record.Line} is empty"));
        }

        var nativeId = NativeId(entry);
        if (nativeId is null)
        {
            return Bad(lineId, hash, ItemProblem.Quarantine(
                "missing-key", $"行 {record.Line}: 名前もメールアドレスもありません", $"line {record.Line}: neither a name nor a mail address"));
        }

        if (seen.TryGetValue(nativeId, out var first))
        {
            var duplicateId = $"{nativeId}#{lineId}";
            return first.Hash == hash
                ? Bad(duplicateId, hash, ItemProblem.Skip(
                    "duplicate-row", $"行 {record.Line} は行 {first.Line} と同じ内容です", $"line {record.Line} repeats line {first.Line} exactly"))
                : Bad(duplicateId, hash, ItemProblem.Quarantine(
                    "duplicate-key",
                    $"行 {record.Line} は行 {first.Line} と名前・メールアドレスが同じで内容が違います",
                    $"line {record.Line} has the same name and address as line {first.Line} but different content"));
        }

        seen[nativeId] = (record.Line, hash);
        return SourceItem<AddressBookEntry>.Ok(Key(account, nativeId, hash), hash, record.Length, location, entry);
    }

    /// <summary>A row's entry as the run reads it, for its key only; not readable (malformed, not decodable, wrong column count) gives false.</summary>
    private static (AddressBookEntry? Entry, bool Readable) EntryOf(CsvExport export, CsvRawRecord record)
    {
        if (CsvExport.Malformed(record) is not null)
        {
            return (null, false);
        }

        var (values, _) = CsvRowDecoder.Decode(record, export.Encoding);
        return values is null || export.ColumnCountProblem(record, values) is not null ? (null, false) : (Entry(export, record, values), true);
    }

    /// <summary>The entry of a decoded row, by the job's field map.</summary>
    private static AddressBookEntry Entry(CsvExport export, CsvRawRecord record, string[] values)
    {
        var columns = export.Columns;
        string Get(string field) => columns.TryGetValue(field, out var index) && index < values.Length ? values[index] : string.Empty;
        return new AddressBookEntry
        {
            File = export.FileName,
            Line = record.Line,
            Name = Get("name"),
            Kana = Get("kana"),
            Email = Get("email"),
            Organization = Get("organization"),
            Department = Get("department"),
            Title = Get("title"),
            Phone1 = Get("phone1"),
            Phone2 = Get("phone2"),
            Phone3 = Get("phone3"),
            Fax = Get("fax"),
            PostalCode = Get("postal-code"),
            Prefecture = Get("prefecture"),
            City = Get("city"),
            Street = Get("street"),
            Url = Get("url"),
            Memo = Get("memo"),
        };
    }

    /// <summary>A contact is identified by its name and mail address, so re-exports in any order or encoding match.</summary>
    internal static string? NativeId(AddressBookEntry entry)
    {
        var name = CollapseSpaces(entry.Name);
        var email = CollapseSpaces(entry.Email).Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        if (name.Length == 0 && email.Length == 0)
        {
            return null;
        }

        return $"{name}<{email}>";
    }

    private static string CollapseSpaces(string value)
    {
        var builder = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.Trim().Trim('\u3000'))
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }

    private static SourceKey Key(string account, string nativeId, string hash) =>
        new(SystemName, account, Container, nativeId, hash[..16]);

    private string PathOf(string account) =>
        options.Files.TryGetValue(account, out var path)
            ? path
            : throw new AccountFailedException($"アカウント {account} のアドレス帳ファイルがジョブにありません", $"the job names no address book export for account {account}");
}

/// <summary>What an address-book export holds now: its contacts' native ids, its rows (empty rows aside), and whether a row could not be read.</summary>
public sealed record ExportScan(IReadOnlySet<string> Present, int Rows, bool Uncertain);
