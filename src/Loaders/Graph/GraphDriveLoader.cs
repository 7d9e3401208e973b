using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Puts documents into OneDrive or a SharePoint library through Graph. Folders are found by name below their parent
/// (<c>GET items/{parent}:/{name}</c>) or created (<c>POST …/children</c>, <c>folder: {}</c>, conflictBehavior fail; a
/// 409 or an answer lost on the way means it is there: looked up again). Before a file is sent, the item at its path
/// is read: the same quickXorHash and size means the bytes are already there (only fileSystemInfo is set if it
/// differs), so an unchanged file, or one a killed run already finished, is never sent twice. Files up to
/// <see cref="DriveTarget.SmallFileLimit"/> go in one <c>PUT …:/{name}:/content</c> (replace) followed by a PATCH of
/// fileSystemInfo; larger ones through an upload session created with conflictBehavior replace and fileSystemInfo,
/// fragments of a multiple of 320 KiB in order; the session's URL is kept in <see cref="DriveTarget.ResumeFile"/> until it
/// completes, so the next run resumes it at the session's next expected byte. The driveItem's quickXorHash must match
/// the file's, or the document is quarantined (<c>hash-mismatch</c>) and sent again next run. Removals delete the item
/// the ledger recorded. Target key: <c>graph-drive:{drive path}/items/{item id}</c>. A document library (by drive id, or
/// a SharePoint site's default or named library) is found once per run by <see cref="DriveLocator"/> at the first
/// document (a site or library that is not there fails the account with a plain message); the same name rules, upload
/// sessions and checks then apply as on a OneDrive.
/// </summary>
public sealed class GraphDriveLoader : GraphLoaderBase, ILoader<DocumentRecord>
{
    private const string KeyPrefix = "graph-drive:";

    private readonly DriveTarget target;
    private readonly UploadUrlClient uploads;
    private readonly UploadResumeFile resume;
    private readonly ConcurrentDictionary<string, string> folders = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock resolveGate = new();
    private Task<string>? resolving;
    private int sent;
    private int unchanged;

    public GraphDriveLoader(GraphTargetOptions options, DriveTarget target, ILogger<GraphDriveLoader> logger, TimeProvider? time = null)
        : this(new GraphSession(options), target, logger, time ?? TimeProvider.System, ownsSession: true)
    {
    }

    public GraphDriveLoader(GraphSession session, DriveTarget target, ILogger logger, TimeProvider time, bool ownsSession = false)
        : base(session, logger, time, ownsSession)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.FragmentBytes % DriveTarget.FragmentUnit != 0 || target.FragmentBytes is <= 0 or > DriveTarget.MaxFragmentBytes)
        {
            throw new ArgumentException("the fragment size must be a multiple of 320 KiB, at most 60 MiB", nameof(target));
        }

        this.target = target;
        uploads = new UploadUrlClient(session, logger, time);
        resume = new UploadResumeFile(target.ResumeFile);
    }

    /// <summary>Called after each upload-session fragment the service took: the document's target path and the next offset.</summary>
    public Action<string, long>? OnFragment { get; init; }

    /// <summary>Files whose bytes were sent (PUT or upload session).</summary>
    public int Sent => Volatile.Read(ref sent);

    /// <summary>Files found on the target with the same bytes (not sent).</summary>
    public int Unchanged => Volatile.Read(ref unchanged);

    /// <summary>The drive path and item id of a target key, or null.</summary>
    public static (string DriveBase, string ItemId)? ParseKey(string? key)
    {
        var at = key?.LastIndexOf("/items/", StringComparison.Ordinal) ?? -1;
        return key is not null && key.StartsWith(KeyPrefix, StringComparison.Ordinal) && at > 0
            ? (key[KeyPrefix.Length..at], key[(at + "/items/".Length)..])
            : null;
    }

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<DocumentRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = new LoadOutcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var request = batch[i];
            outcomes[i] = request.Removal
                ? await RemoveAsync(request, cancellationToken)
                : await PutAsync(request.Item, cancellationToken);
        }

        return outcomes;
    }

    private static LoadOutcome Refused(DocumentRecord doc, string code, string japanese, string english) =>
        LoadOutcome.Refused(ItemProblem.Quarantine(code, $"{doc.SourceLocation}: {japanese}", $"{doc.SourceLocation}: {english}"));

    private static string Escape(string name) => Uri.EscapeDataString(name);

    private static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static Dictionary<string, object> FileSystemInfo(DocumentRecord doc) => new()
    {
        ["createdDateTime"] = Iso(doc.CreatedUtc),
        ["lastModifiedDateTime"] = Iso(doc.ModifiedUtc),
    };

    private static bool SameTimes(JsonElement item, DocumentRecord doc) =>
        item.TryGetProperty("fileSystemInfo", out var info) &&
        info.TryGetProperty("createdDateTime", out var c) && Same(c.GetString(), doc.CreatedUtc) &&
        info.TryGetProperty("lastModifiedDateTime", out var m) && Same(m.GetString(), doc.ModifiedUtc);

    private static bool Same(string? text, DateTime utc) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) &&
        Math.Abs((value.UtcDateTime - DateTime.SpecifyKind(utc, DateTimeKind.Utc)).TotalSeconds) < 1;

    private static string? QuickXor(JsonElement item) =>
        item.TryGetProperty("file", out var file) && file.TryGetProperty("hashes", out var hashes) && hashes.TryGetProperty("quickXorHash", out var q) ? q.GetString() : null;

    private static LoadOutcome Loaded(string driveBase, JsonElement item, DocumentRecord doc, string? extra = null)
    {
        var notes = new[] { doc.RenameNote, extra }.Where(n => n is not null).ToList();
        return LoadOutcome.Loaded($"{KeyPrefix}{driveBase}/items/{item.GetProperty("id").GetString()}") with
        {
            Note = notes.Count == 0 ? null : string.Join("; ", notes),
        };
    }

    private async Task<LoadOutcome> RemoveAsync(LoadRequest<DocumentRecord> request, CancellationToken cancellationToken)
    {
        if (ParseKey(request.PreviousTargetKey) is not var (driveBase, itemId))
        {
            return LoadOutcome.Loaded(request.PreviousTargetKey ?? KeyPrefix + "none");
        }

        var answer = await Engine.RunAsync(driveBase, new GraphOperation("DELETE", $"{driveBase}/items/{Escape(itemId)}"), cancellationToken);
        return answer.IsDone
            ? LoadOutcome.Loaded(request.PreviousTargetKey!)
            : Refused(request.Item, "graph-refused", $"移行先から削除できません ({answer.Reason})", $"cannot delete it on the target ({answer.Reason})");
    }

    /// <summary>The drive a document goes to: the owner's OneDrive, or the library found once for the whole run.</summary>
    /// <exception cref="AccountFailedException">The site, library or drive is not there.</exception>
    private Task<string> DriveBaseAsync(string ownerUpn, CancellationToken cancellationToken)
    {
        if (target.Kind == DriveKind.Owner)
        {
            return Task.FromResult(target.DriveBase(ownerUpn));
        }

        lock (resolveGate)
        {
            return resolving ??= DriveLocator.ResolveAsync(Engine, target, cancellationToken);
        }
    }

    private async Task<LoadOutcome> PutAsync(DocumentRecord doc, CancellationToken cancellationToken)
    {
        var driveBase = await DriveBaseAsync(doc.OwnerUpn, cancellationToken);
        var segments = doc.TargetPath.Split('/');
        var folderPath = string.Join('/', new[] { target.Folder.Trim('/') }.Concat(segments[..^1]).Where(s => s.Length > 0));
        var name = segments[^1];
        var (parentId, folderProblem) = await EnsureFolderAsync(driveBase, folderPath, cancellationToken);
        if (parentId is null)
        {
            return Refused(doc, "graph-refused", $"フォルダー {folderPath} を用意できません ({folderProblem})", $"cannot make the folder {folderPath} ({folderProblem})");
        }

        var itemPath = $"{driveBase}/items/{Escape(parentId)}:/{Escape(name)}";
        var existing = await Engine.RunAsync(driveBase, new GraphOperation("GET", itemPath), cancellationToken);
        if (existing.IsDone)
        {
            if (existing.Body.TryGetProperty("folder", out _))
            {
                return Refused(doc, "name-taken", $"移行先の {doc.TargetPath} はフォルダーです", $"the target's {doc.TargetPath} is a folder");
            }

            if (QuickXor(existing.Body) == doc.Original.QuickXorHash && existing.Body.GetProperty("size").GetInt64() == doc.Original.Size)
            {
                Interlocked.Increment(ref unchanged);
                var item = SameTimes(existing.Body, doc) ? existing : await PatchTimesAsync(driveBase, existing.Body, doc, cancellationToken);
                return item.IsDone ? Loaded(driveBase, item.Body, doc) : Refused(doc, "graph-refused", $"日時を設定できません ({item.Reason})", $"cannot set its times ({item.Reason})");
            }
        }
        else if (existing.Status != 404)
        {
            return Refused(doc, "graph-refused", $"移行先を読めません ({existing.Reason})", $"cannot read the target ({existing.Reason})");
        }

        FileStream content;
        try
        {
            content = new FileStream(doc.Original.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Refused(doc, "unreadable-file", $"ファイルを読めません ({ex.GetType().Name})", $"the file cannot be read ({ex.GetType().Name})");
        }

        await using (content)
        {
            var (done, problem) = content.Length <= target.SmallFileLimit
                ? await PutSmallAsync(driveBase, itemPath, content, doc, cancellationToken)
                : await PutLargeAsync(driveBase, itemPath, content, doc, cancellationToken);
            if (done is not { } item)
            {
                return Refused(doc, "graph-refused", $"アップロードが拒否されました ({problem})", $"the upload was refused ({problem})");
            }

            Interlocked.Increment(ref sent);
            if (QuickXor(item) is { } hash && hash != doc.Original.QuickXorHash)
            {
                return Refused(doc, "hash-mismatch",
                    "移行先のハッシュ (quickXorHash) が元のファイルと違います (読み取り中に変更された可能性があります。次の実行で再送します)",
                    "the target's quickXorHash differs from the file's (it may have changed while read; the next run sends it again)");
            }

            return Loaded(driveBase, item, doc);
        }
    }

    private async Task<GraphOutcome> PatchTimesAsync(string driveBase, JsonElement item, DocumentRecord doc, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["fileSystemInfo"] = FileSystemInfo(doc) });
        return await Engine.RunAsync(driveBase, new GraphOperation("PATCH", $"{driveBase}/items/{Escape(item.GetProperty("id").GetString()!)}", body), cancellationToken);
    }

    private async Task<(JsonElement? Item, string? Problem)> PutSmallAsync(string driveBase, string itemPath, FileStream content, DocumentRecord doc, CancellationToken cancellationToken)
    {
        var bytes = new byte[content.Length];
        await content.ReadExactlyAsync(bytes, cancellationToken);
        var put = await Engine.RunAsync(driveBase, new GraphOperation("PUT", $"{itemPath}:/content?@microsoft.graph.conflictBehavior=replace", bytes)
        {
            ContentType = "application/octet-stream",
        }, cancellationToken);
        if (!put.IsDone)
        {
            return (null, put.Reason);
        }

        var patched = await PatchTimesAsync(driveBase, put.Body, doc, cancellationToken);
        return patched.IsDone ? (patched.Body, null) : (null, patched.Reason);
    }

    private async Task<(JsonElement? Item, string? Problem)> PutLargeAsync(string driveBase, string itemPath, FileStream content, DocumentRecord doc, CancellationToken cancellationToken)
    {
        var key = $"{driveBase}|{doc.TargetPath}|{doc.Original.QuickXorHash}";
        long offset = 0;
        Uri? url = null;
        if (resume.Find(key) is { } open && open.Expires > Time.GetUtcNow() && await uploads.NextExpectedAsync(new Uri(open.Url), cancellationToken) is { } next)
        {
            url = new Uri(open.Url);
            offset = next;
            Logger.LogInformation("{Path}: アップロードを {Offset} バイト目から再開 / upload resumed at byte {Offset}", doc.TargetPath, offset, offset);
        }

        if (url is null)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["item"] = new Dictionary<string, object>
                {
                    ["@microsoft.graph.conflictBehavior"] = "replace",
                    ["fileSystemInfo"] = FileSystemInfo(doc),
                },
            });
            var created = await Engine.RunAsync(driveBase, new GraphOperation("POST", $"{itemPath}:/createUploadSession", body), cancellationToken);
            if (!created.IsDone || created.Property("uploadUrl") is not { } text)
            {
                return (null, created.Reason);
            }

            url = new Uri(text);
            var expires = DateTimeOffset.TryParse(created.Property("expirationDateTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var e)
                ? e
                : Time.GetUtcNow().AddMinutes(15);
            resume.Put(key, new UploadResumeFile.Entry(text, expires));
        }

        var result = await uploads.SendAsync(url, content, content.Length, offset, target.FragmentBytes, o => OnFragment?.Invoke(doc.TargetPath, o), cancellationToken);
        resume.Put(key, null);
        if (result.Reason is not null)
        {
            return (null, result.Reason);
        }

        using var answer = JsonDocument.Parse(result.Body);
        return (answer.RootElement.Clone(), null);
    }

    /// <summary>The id of the folder at this path below the drive's root (made when missing), or null and Graph's reason.</summary>
    private async Task<(string? Id, string? Problem)> EnsureFolderAsync(string driveBase, string path, CancellationToken cancellationToken)
    {
        var cacheKey = $"{driveBase}|{path}";
        if (folders.TryGetValue(cacheKey, out var known))
        {
            return (known, null);
        }

        string parentId;
        if (path.Length == 0)
        {
            var root = await Engine.RunAsync(driveBase, new GraphOperation("GET", $"{driveBase}/root"), cancellationToken);
            if (!root.IsDone)
            {
                return (null, root.Reason);
            }

            parentId = root.Property("id")!;
        }
        else
        {
            var slash = path.LastIndexOf('/');
            var (parent, problem) = await EnsureFolderAsync(driveBase, slash < 0 ? string.Empty : path[..slash], cancellationToken);
            if (parent is null)
            {
                return (null, problem);
            }

            var name = slash < 0 ? path : path[(slash + 1)..];
            var (id, reason) = await FindOrCreateFolderAsync(driveBase, parent, name, cancellationToken);
            if (id is null)
            {
                return (null, reason);
            }

            parentId = id;
        }

        folders[cacheKey] = parentId;
        return (parentId, null);
    }

    private async Task<(string? Id, string? Problem)> FindOrCreateFolderAsync(string driveBase, string parentId, string name, CancellationToken cancellationToken)
    {
        var lookup = new GraphOperation("GET", $"{driveBase}/items/{Escape(parentId)}:/{Escape(name)}");
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var found = await Engine.RunAsync(driveBase, lookup, cancellationToken);
            if (found.IsDone)
            {
                return found.Body.TryGetProperty("folder", out _) ? (found.Property("id"), null) : (null, $"a file named {name} is where the folder should be");
            }

            if (found.Status != 404)
            {
                return (null, found.Reason);
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["name"] = name,
                ["folder"] = new Dictionary<string, object>(),
                ["@microsoft.graph.conflictBehavior"] = "fail",
            });
            var created = await Engine.RunAsync(driveBase, new GraphOperation("POST", $"{driveBase}/items/{Escape(parentId)}/children", body), cancellationToken);
            if (created.IsDone)
            {
                return (created.Property("id"), null);
            }

            if (created.Kind == GraphOutcomeKind.Refused && created.Status != 409)
            {
                return (null, created.Reason);
            }

            // 409: someone (or an answer lost on the way) made it already; look again.
        }

        return (null, $"the folder {name} could not be found or made");
    }
}
