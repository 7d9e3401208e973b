using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// One mailbox's folder tree on Graph: a message with a role goes to Exchange's well-known folder (inbox, sentitems,
/// drafts, deleteditems, junkemail, archive); any other folder is found or created as a child mailFolder with its
/// Japanese display name, level by level, the tree kept (a path starting with INBOX stays under the inbox). Each level
/// is listed once and cached; a folder created at the same moment by someone else (409 ErrorFolderExists) is read back.
/// </summary>
public sealed class GraphMailFolders(GraphEngine engine, string mailbox)
{
    private readonly Dictionary<string, Dictionary<string, string>> children = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> paths = new(StringComparer.OrdinalIgnoreCase);
    private SemaphoreSlim Gate { get; } = new(1, 1); // one per mailbox for the run's life; never disposed

    /// <summary>The URL path of the mailbox (<c>/users/{upn}</c>).</summary>
    public string UserPath { get; } = "/users/" + Uri.EscapeDataString(mailbox);

    /// <summary>Graph's well-known folder for a role, or null.</summary>
    public static string? WellKnown(MailFolderRole role) => role switch
    {
        MailFolderRole.Inbox => "inbox",
        MailFolderRole.Sent => "sentitems",
        MailFolderRole.Drafts => "drafts",
        MailFolderRole.Trash => "deleteditems",
        MailFolderRole.Junk => "junkemail",
        MailFolderRole.Archive => "archive",
        _ => null,
    };

    /// <summary>The folder id (or well-known name) a message goes to.</summary>
    /// <exception cref="GraphMessageException">Graph refuses to create the folder.</exception>
    /// <exception cref="AccountFailedException">The mailbox does not exist or cannot be read.</exception>
    public async Task<string> ResolveAsync(TargetMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (WellKnown(message.Role) is { } wellKnown)
        {
            return wellKnown;
        }

        var segments = message.FolderPath.ToList();
        var parent = "msgfolderroot";
        if (segments.Count > 0 && segments[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            parent = "inbox";
            segments.RemoveAt(0);
        }

        var key = parent + "/" + string.Join('/', segments);
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (paths.TryGetValue(key, out var known))
            {
                return known;
            }

            foreach (var segment in segments)
            {
                parent = await ChildAsync(parent, segment, cancellationToken);
            }

            paths[key] = parent;
            return parent;
        }
        finally
        {
            Gate.Release();
        }
    }

    private async Task<string> ChildAsync(string parent, string name, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var level = await LevelAsync(parent, reload: attempt > 0, cancellationToken);
            if (level.TryGetValue(name, out var id))
            {
                return id;
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["displayName"] = name });
            var created = await engine.RunAsync(mailbox, new GraphOperation("POST", $"{UserPath}/mailFolders/{parent}/childFolders", body), cancellationToken);
            if (created.IsDone && created.Property("id") is { } newId)
            {
                level[name] = newId;
                return newId;
            }

            if (created.Kind == GraphOutcomeKind.Refused && created.Status != 409)
            {
                throw new GraphMessageException(
                    "folder-refused", $"移行先がフォルダ '{name}' の作成を拒否しました: {created.Reason}", $"the target refused to create the folder '{name}': {created.Reason}");
            }

            // 409 (made meanwhile) or in doubt (may have been made): read the level again.
        }

        throw new AccountFailedException($"フォルダ '{name}' を作成できません", $"cannot create the folder '{name}'");
    }

    private async Task<Dictionary<string, string>> LevelAsync(string parent, bool reload, CancellationToken cancellationToken)
    {
        if (!reload && children.TryGetValue(parent, out var cached))
        {
            return cached;
        }

        var level = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var path = $"{UserPath}/mailFolders/{parent}/childFolders?$select=id,displayName&$top=250";
        while (path is not null)
        {
            var page = await engine.RunAsync(mailbox, new GraphOperation("GET", path), cancellationToken);
            if (!page.IsDone)
            {
                throw new AccountFailedException(
                    $"移行先メールボックス {mailbox} のフォルダを読めません: {page.Reason}", $"cannot read the folders of the target mailbox {mailbox}: {page.Reason}");
            }

            foreach (var folder in page.Body.GetProperty("value").EnumerateArray())
            {
                level[folder.GetProperty("displayName").GetString() ?? string.Empty] = folder.GetProperty("id").GetString()!;
            }

            path = NextLink(page, engine.Options.BaseUrl);
        }

        children[parent] = level;
        return level;
    }

    /// <summary>The path of <c>@odata.nextLink</c> relative to the base URL, or null on the last page.</summary>
    public static string? NextLink(GraphOutcome page, Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (page.Property("@odata.nextLink") is not { } next)
        {
            return null;
        }

        var root = baseUrl.ToString().TrimEnd('/');
        return next.StartsWith(root, StringComparison.OrdinalIgnoreCase)
            ? next[root.Length..]
            : throw new InvalidOperationException("Graph answered with a nextLink outside its base URL");
    }
}
