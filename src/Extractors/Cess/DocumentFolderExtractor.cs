using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Dxmig.Extractors.Csv;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Cess;

/// <summary>
/// Reads a CESS shared-documents export (文書共有): a folder tree of files and a metadata CSV (CP932 or UTF-8 with
/// BOM) naming each file's path, owner and times. The source key is the file's path in the folder ('/' separated, NFC);
/// the version covers the bytes (SHA-256) and the metadata, so a changed file or a changed date is a change. Each file is
/// read once, streaming, for SHA-256 and Graph's quickXorHash. Every file and every row becomes an item: a file that
/// cannot be read (<c>unreadable-file</c>), a file without a row (<c>no-metadata</c>), a row without a file
/// (<c>missing-file</c>), a bad row (bad bytes, unclosed quote, column count, <c>missing-key</c>, <c>duplicate-key</c>)
/// and two files that would take one name on the target (<c>name-collision</c>) are quarantined with file and line.
/// After the walk, documents the target holds that are gone from the folder are yielded as removals, within the
/// threshold; nothing under a folder that could not be read is ever taken for gone.
/// </summary>
public sealed class DocumentFolderExtractor(DocumentSourceOptions options, ILogger<DocumentFolderExtractor> logger) : IExtractor<DocumentEntry>
{
    public const string SystemName = "cess-documents";
    public const string Container = "documents";

    private const int BufferBytes = 1 << 20;

    public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken) => ValueTask.FromResult<SourceEstimate?>(null);

    public async IAsyncEnumerable<SourceItem<DocumentEntry>> ExtractAsync(
        string account, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rows = new Dictionary<string, MetadataRow>(StringComparer.Ordinal);
        var badRows = new Dictionary<string, (ItemProblem Problem, string Location)>(StringComparer.Ordinal);
        var metadataName = Path.GetFileName(options.Metadata);
        await using (var export = await CsvExport.OpenAsync(
            options.Metadata, options.Encoding, options.FieldMap.Fields, ("文書メタデータ", "document metadata CSV"), logger, cancellationToken))
        {
            while (export is not null && await export.ReadAsync(cancellationToken) is { } record)
            {
                if (ReadRow(account, export, record, rows, badRows) is { } bad)
                {
                    yield return bad;
                }
            }
        }

        var present = new HashSet<string>(StringComparer.Ordinal);
        var unreadableFolders = new List<string>();
        var targets = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var metadataFull = Path.GetFullPath(options.Metadata);
        foreach (var (relative, full, problem) in Walk(options.Folder, unreadableFolders))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (problem is not null)
            {
                yield return SourceItem<DocumentEntry>.Bad(Key(account, $"folder:{relative}", "unreadable"), "unreadable", 0, relative, problem);
                continue;
            }

            if (string.Equals(full, metadataFull, StringComparison.Ordinal))
            {
                continue;
            }

            present.Add(relative);
            yield return await FileItemAsync(account, relative, full, rows, badRows, targets, cancellationToken);
            rows.Remove(relative);
            badRows.Remove(relative);
        }

        foreach (var row in rows.Values.OrderBy(r => r.Line))
        {
            var location = $"{metadataName}:{row.Line}";
            yield return SourceItem<DocumentEntry>.Bad(Key(account, $"row:{row.Line}", row.Hash), row.Hash, 0, location, ItemProblem.Quarantine(
                "missing-file", $"行 {row.Line}: ファイル {row.Path} がフォルダーにありません", $"line {row.Line}: file {row.Path} is not in the folder"));
        }

        foreach (var (path, bad) in badRows.OrderBy(b => b.Value.Location, StringComparer.Ordinal))
        {
            yield return SourceItem<DocumentEntry>.Bad(Key(account, $"row:{path}", "bad"), "bad", 0, bad.Location, bad.Problem);
        }

        if (options.Removals is { } safety)
        {
            await foreach (var removal in RemovalsAsync(account, safety, present, unreadableFolders, context, cancellationToken))
            {
                yield return removal;
            }
        }
    }

    /// <summary>A path as the key: '/' separated, NFC, no leading "./" or '/'.</summary>
    public static string NormalizePath(string value) =>
        (value ?? string.Empty).Replace('\\', '/').Normalize(NormalizationForm.FormC).Trim().TrimStart('.').TrimStart('/');

    /// <summary>The files below the folder, in ordinal order, folder by folder; a folder that cannot be listed is reported, not thrown.</summary>
    private static IEnumerable<(string Relative, string Full, ItemProblem? Problem)> Walk(string root, List<string> unreadable)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            var relativeFolder = Relative(root, folder);
            string[] files;
            string[] folders;
            try
            {
                files = Directory.GetFiles(folder);
                folders = Directory.GetDirectories(folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                unreadable.Add(relativeFolder);
                files = [];
                folders = [];
            }

            if (folders.Length == 0 && files.Length == 0 && unreadable.Contains(relativeFolder))
            {
                yield return (relativeFolder, folder, ItemProblem.Quarantine(
                    "unreadable-folder", $"フォルダー {relativeFolder} を読めません", $"cannot read the folder {relativeFolder}"));
                continue;
            }

            foreach (var file in files.OrderBy(f => f, StringComparer.Ordinal))
            {
                yield return (Relative(root, file), file, null);
            }

            foreach (var sub in folders.OrderByDescending(f => f, StringComparer.Ordinal))
            {
                pending.Push(sub);
            }
        }
    }

    private static string Relative(string root, string path) => NormalizePath(Path.GetRelativePath(root, path) is "." ? string.Empty : Path.GetRelativePath(root, path));

    private static SourceItem<DocumentEntry>? ReadRow(
        string account, CsvExport export, CsvRawRecord record, Dictionary<string, MetadataRow> rows, Dictionary<string, (ItemProblem, string)> badRows)
    {
        var location = $"{export.FileName}:{record.Line}";
        var rawHash = ContentHash.Of(record.Raw);
        SourceItem<DocumentEntry> Bad(ItemProblem problem) =>
            SourceItem<DocumentEntry>.Bad(Key(account, $"line:{record.Line}", rawHash), rawHash, record.Length, location, problem);

        if (CsvExport.Malformed(record) is { } malformed)
        {
            return Bad(malformed);
        }

        var (values, problem) = CsvRowDecoder.Decode(record, export.Encoding);
        if (values is null)
        {
            // The file of a row with bad bytes is quarantined with that row's reason, when its path can still be read.
            if (CsvRowDecoder.TryField(record, export.Columns["path"], export.Encoding) is { } salvaged && NormalizePath(salvaged) is { Length: > 0 } path)
            {
                badRows[path] = (problem!, location);
                return null;
            }

            return Bad(problem!);
        }

        if (export.ColumnCountProblem(record, values) is { } columnCount)
        {
            return Bad(columnCount);
        }

        string Get(string field) => export.Columns.TryGetValue(field, out var index) && index < values.Length ? values[index] : string.Empty;
        var row = new MetadataRow(record.Line, NormalizePath(Get("path")), Get("owner"), Get("created"), Get("modified"), Get("title"), string.Empty);
        row = row with { Hash = ContentHash.OfFields([row.Path, row.Owner, row.Created, row.Modified, row.Title]) };
        if (values.All(string.IsNullOrWhiteSpace))
        {
            return Bad(ItemProblem.Skip("empty-row", $"行 {record.Line} は空の行です", $"line {record.Line} is empty"));
        }

        if (row.Path.Length == 0)
        {
            return Bad(ItemProblem.Quarantine("missing-key", $"行 {record.Line}: パスがありません", $"line {record.Line}: the path is missing"));
        }

        if (rows.TryGetValue(row.Path, out var first))
        {
            return first.Hash == row.Hash
                ? Bad(ItemProblem.Skip("duplicate-row", $"行 {record.Line} は行 {first.Line} と同じ内容です", $"line {record.Line} repeats line {first.Line} exactly"))
                : Bad(ItemProblem.Quarantine(
                    "duplicate-key",
                    $"行 {record.Line}: パス {row.Path} が行 {first.Line} と重複し、内容が違います",
                    $"line {record.Line}: path {row.Path} repeats line {first.Line} with different content"));
        }

        rows[row.Path] = row;
        return null;
    }

    private async Task<SourceItem<DocumentEntry>> FileItemAsync(
        string account, string relative, string full, Dictionary<string, MetadataRow> rows, Dictionary<string, (ItemProblem Problem, string Location)> badRows,
        Dictionary<string, string> targets, CancellationToken cancellationToken)
    {
        SourceItem<DocumentEntry> Bad(string hash, long size, string location, ItemProblem problem) =>
            SourceItem<DocumentEntry>.Bad(Key(account, relative, hash), hash, size, location, problem);

        if (badRows.TryGetValue(relative, out var bad))
        {
            return Bad("bad-row", 0, bad.Location, bad.Problem);
        }

        if (!rows.TryGetValue(relative, out var row))
        {
            return Bad("no-metadata", 0, relative, ItemProblem.Quarantine(
                "no-metadata", $"{relative}: メタデータ CSV に行がありません", $"{relative}: the metadata CSV has no row for this file"));
        }

        var location = $"{Path.GetFileName(options.Metadata)}:{row.Line} ({relative})";
        long size;
        string sha256;
        string quickXor;
        DateTimeOffset written;
        try
        {
            (size, sha256, quickXor) = await HashAsync(full, cancellationToken);
            written = File.GetLastWriteTimeUtc(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogInformation("{File}: 読めません / unreadable: {Reason}", relative, ex.GetType().Name);
            return Bad("unreadable", 0, location, ItemProblem.Quarantine(
                "unreadable-file", $"{relative}: ファイルを読めません ({ex.GetType().Name})", $"{relative}: the file cannot be read ({ex.GetType().Name})"));
        }

        var entry = new DocumentEntry
        {
            RelativePath = relative,
            FullPath = full,
            Size = size,
            Sha256 = sha256,
            QuickXorHash = quickXor,
            MetadataFile = Path.GetFileName(options.Metadata),
            Line = row.Line,
            Owner = row.Owner,
            Created = row.Created,
            Modified = row.Modified,
            Title = row.Title,
            FileModified = new DateTimeOffset(written.UtcDateTime, TimeSpan.Zero),
        };
        var hash = ContentHash.OfFields(entry.Fields());
        if (options.TargetPathOf?.Invoke(relative) is { } target)
        {
            if (targets.TryGetValue(target, out var other))
            {
                return Bad(hash, size, location, ItemProblem.Quarantine(
                    "name-collision",
                    $"{relative}: 移行先の名前 {target} が {other} と同じになります (SharePoint は大文字小文字を区別しません)",
                    $"{relative}: its target name {target} is the same as that of {other} (SharePoint ignores case)"));
            }

            targets[target] = relative;
        }

        return SourceItem<DocumentEntry>.Ok(Key(account, relative, hash), hash, size, location, entry);
    }

    private static async Task<(long Size, string Sha256, string QuickXor)> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var quickXor = new QuickXorHash();
        var buffer = new byte[Math.Min(BufferBytes, Math.Max(1, stream.Length))];
        long size = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            quickXor.Append(buffer.AsSpan(0, n));
            size += n;
        }

        return (size, Convert.ToHexStringLower(sha.GetHashAndReset()), quickXor.ToBase64());
    }

    private static async IAsyncEnumerable<SourceItem<DocumentEntry>> RemovalsAsync(
        string account, Platform.Pipeline.DeletionSafety safety, HashSet<string> present, List<string> unreadableFolders, ExtractContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool StillThere(string id) => present.Contains(id) || unreadableFolders.Any(f => f.Length == 0 || id.StartsWith(f + "/", StringComparison.Ordinal));
        var allowed = await Platform.Pipeline.RemovalScan.DecideAsync(
            safety, context, Container, StillThere,
            (count, percent) => (
                $"要確認: 文書 {count} 件 ({percent:0.#}%) がフォルダーから消えていますが、しきい値 ({safety.MaxCount} 件・{safety.MaxPercent}%) を超えるため削除しませんでした。削除予定の一覧を確認し、dxmig run --confirm-deletes RUNID で確定してください",
                $"needs attention: {count} documents ({percent:0.#}%) are gone from the folder, over the threshold ({safety.MaxCount} / {safety.MaxPercent}%): nothing was deleted; review the pending-deletions list and confirm with dxmig run --confirm-deletes RUNID"),
            cancellationToken);
        foreach (var (nativeId, _) in allowed)
        {
            var entry = new DocumentEntry { RelativePath = nativeId, FullPath = string.Empty };
            yield return SourceItem<DocumentEntry>.Ok(Key(account, nativeId, "removed"), "removed", 0, $"{nativeId} (removed)", entry) with { Removal = true };
        }
    }

    private static SourceKey Key(string account, string nativeId, string hash) =>
        new(SystemName, account, Container, nativeId, hash.Length > 16 ? hash[..16] : hash);

    private sealed record MetadataRow(int Line, string Path, string Owner, string Created, string Modified, string Title, string Hash);
}
