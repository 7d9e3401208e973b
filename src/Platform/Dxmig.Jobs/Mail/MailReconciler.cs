using Dxmig.Jobs.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dxmig.Extractors.Imap;
using Dxmig.Loaders.Graph;
using Dxmig.Contracts;
using Dxmig.Imap;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Reconciliation;
using Dxmig.Contracts.Records;
using Dxmig.Transformers.Mail;
using MailKit;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Mail;

/// <summary>
/// Mail: the source mailbox over IMAP (metadata FETCH), the target over IMAP the same way or through Graph
/// (<c>$select</c> of id, receivedDateTime, isRead and flag, with dxmig's source-key, hash and keyword properties).
/// Each source message's place on the target comes from the same routing the run uses (roles, folder map). Matched by
/// dxmig's source key on Graph, by Message-ID (or INTERNALDATE and size when there is none) on IMAP.
/// </summary>
public sealed class MailReconciler : IReconciler
{
    private readonly MailJobSettings settings;
    private readonly ImapEndpoint source;
    private readonly ImapEndpoint? targetImap;
    private readonly GraphSession? session;
    private readonly GraphReader? graph;
    private readonly MailTransformer router;
    private readonly bool deep;
    private long imapRequests;

    public MailReconciler(MailJobSettings settings, Func<string, string?> environment, bool deep, ILoggerFactory loggers, TimeProvider time)
    {
        this.settings = settings;
        this.deep = deep;
        source = settings.Source.Resolve(environment);
        router = new MailTransformer(settings.Folders, settings.Identities, new MailTransformerOptions { RenameReserved = settings.ExchangeImap });
        if (settings.Graph is { } g)
        {
            session = new GraphSession(g.Resolve(environment));
            graph = new GraphReader(new GraphEngine(session, loggers.CreateLogger("dxmig.reconcile.graph"), time));
            TargetDescription = $"Microsoft Graph {session.Options.BaseUrl}";
        }
        else
        {
            targetImap = settings.ResolveTarget(environment);
            TargetDescription = settings.ExchangeImap ? $"Exchange Online IMAP {targetImap}" : $"IMAP {targetImap}";
        }

        SourceDescription = $"IMAP {source}";
    }

    public string SourceDescription { get; }

    public string TargetDescription { get; }

    public IReadOnlyList<string> Compared => deep ? ["flags", "date", "folder", "sha256"] : ["flags", "date", "folder"];

    public long Requests => Interlocked.Read(ref imapRequests) + (graph?.Engine.HttpRequests ?? 0);

    public async IAsyncEnumerable<ReconItem> ReadSourceAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (folder, messages) in ImapMetadataReader.ReadAsync(source, account, deep, Count, cancellationToken))
        {
            var (path, role, _) = router.Route(new SourceMessage
            {
                Folder = folder.FullName, FolderPath = folder.Path, Role = folder.Role, UidValidity = folder.UidValidity, Uid = 0, BodySha256 = string.Empty,
            });
            var container = graph is null ? ImapContainer(path, role) : GraphContainer(path, role);
            foreach (var m in messages)
            {
                var key = new SourceKey(ImapMailExtractor.SystemName, account, folder.FullName,
                    $"{folder.UidValidity}:{m.Uid}", folder.UidValidity.ToString(CultureInfo.InvariantCulture));
                if (m.Unreadable is { } why)
                {
                    yield return new ReconItem(container, $"unreadable:{folder.FullName}:{m.Uid}")
                    {
                        Location = $"{folder.FullName} UID {m.Uid}", Unreadable = SecretMasker.Apply(why), Ref = key.Ref,
                    };
                    continue;
                }

                yield return new ReconItem(container, graph is null ? SourceImapIdentity(m, key) : key.ToString())
                {
                    Location = $"{folder.FullName} UID {m.Uid}",
                    Size = m.Size,
                    Date = m.InternalDate,
                    Flags = graph is null
                        ? ImapMetadataReader.Canonical(ImapMetadataReader.Names(m.Flags).Concat(KeptOnTarget(m.Keywords)))
                        : GraphFlags(m.Flags.HasFlag(MessageFlags.Seen), m.Flags.HasFlag(MessageFlags.Flagged), m.Keywords),
                    Hash = m.Sha256,
                    Ref = key.Ref,
                };
            }
        }
    }

    public IAsyncEnumerable<ReconItem> ReadTargetAsync(string account, CancellationToken cancellationToken)
    {
        var mailbox = settings.Identities.TargetOf(account);
        return graph is null ? ReadImapTargetAsync(mailbox, cancellationToken) : ReadGraphTargetAsync(mailbox, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        session?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Where a source folder's messages sit on an IMAP target: a role's messages in the target's folder for that role
    /// (whatever it is called there), every other folder by its path.
    /// </summary>
    private static string ImapContainer(IReadOnlyList<string> path, MailFolderRole role) =>
        role == MailFolderRole.None ? string.Join('/', path) : RoleContainer(role);

    private static string RoleContainer(MailFolderRole role) => "role:" + role.ToString().ToLowerInvariant();

    /// <summary>
    /// The target folder's container: the folder the server marks with a role (SPECIAL-USE, or INBOX), or, for a role
    /// no folder carries, the folder the mapping file names for it (the one the run created); else its path.
    /// </summary>
    private string TargetContainer(ImapFolderInfo folder)
    {
        if (folder.Role != MailFolderRole.None && folder.MailboxRoles.TryGetValue(folder.Role, out var own) && own == folder.FullName)
        {
            return RoleContainer(folder.Role);
        }

        var path = folder.Separator == '\0' ? folder.FullName : folder.FullName.Replace(folder.Separator, '/');
        foreach (var (role, name) in settings.Folders.Targets)
        {
            if (!folder.MailboxRoles.ContainsKey(role) && name == path)
            {
                return RoleContainer(role);
            }
        }

        return path;
    }

    private static string GraphContainer(IReadOnlyList<string> path, MailFolderRole role)
    {
        if (GraphMailFolders.WellKnown(role) is { } wellKnown)
        {
            return wellKnown;
        }

        return path.Count > 0 && path[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase)
            ? string.Join('/', path.Skip(1).Prepend("inbox"))
            : string.Join('/', path);
    }

    /// <summary>
    /// A source message's identity on an IMAP target; with <c>route: imap-first</c>, one without Message-ID that went
    /// by Graph (over the IMAP limit) carries the Message-ID dxmig gave it there.
    /// </summary>
    private string SourceImapIdentity(ImapMessageInfo m, SourceKey key) =>
        settings.RouteImapFirst && m.MessageId is not { Length: > 0 } && m.Size > settings.ImapMaxMessageSize
            ? "<" + SyntheticMessageId.For(key.ToString()) + ">"
            : ImapIdentity(m);

    /// <summary>IMAP copies are byte for byte: Message-ID, or INTERNALDATE and size for a message without one.</summary>
    private static string ImapIdentity(ImapMessageInfo m) => m.MessageId is { Length: > 0 } id
        ? "<" + id.Trim('<', '>') + ">"
        : string.Create(CultureInfo.InvariantCulture, $"date:{m.InternalDate?.ToUnixTimeSeconds()}|size:{m.Size}");

    /// <summary>What Graph keeps of the flags: read, flagged, and the keywords dxmig wrote beside the categories.</summary>
    private static string GraphFlags(bool seen, bool flagged, IEnumerable<string> keywords) =>
        ImapMetadataReader.Canonical(keywords.Concat(seen ? ["\\Seen"] : []).Concat(flagged ? ["\\Flagged"] : []));

    private void Count(int requests) => Interlocked.Add(ref imapRequests, requests);

    /// <summary>The source's keywords the target can hold: on Exchange's IMAP only <c>$MDNSent</c> (the rest are noted in the ledger).</summary>
    private IEnumerable<string> KeptOnTarget(IEnumerable<string> keywords) =>
        settings.RouteImapFirst ? [] // a message Graph wrote cannot carry $MDNSent over IMAP: not compared when routing
        : settings.ExchangeImap ? keywords.Where(k => MailJobSettings.ExchangeKeptKeywords.Contains(k, StringComparer.OrdinalIgnoreCase))
        : keywords;

    private async IAsyncEnumerable<ReconItem> ReadImapTargetAsync(string mailbox, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (folder, messages) in ImapMetadataReader.ReadAsync(targetImap!, mailbox, deep, Count, cancellationToken))
        {
            var container = TargetContainer(folder);
            foreach (var m in messages)
            {
                if (m.Unreadable is { } why)
                {
                    yield return new ReconItem(container, $"unreadable:{folder.FullName}:{m.Uid}")
                    {
                        Location = $"{folder.FullName} UID {m.Uid}", Unreadable = SecretMasker.Apply(why),
                        TargetKey = $"imap:{folder.UidValidity}:{m.Uid}:{folder.FullName}",
                    };
                    continue;
                }

                yield return new ReconItem(container, ImapIdentity(m))
                {
                    Location = $"{folder.FullName} UID {m.Uid}",
                    Size = m.Size,
                    Date = m.InternalDate,
                    Flags = ImapMetadataReader.Canonical(ImapMetadataReader.Names(m.Flags).Concat(KeptOnTarget(m.Keywords))),
                    Hash = m.Sha256,
                    TargetKey = $"imap:{folder.UidValidity}:{m.Uid}:{folder.FullName}",
                };
            }
        }
    }

    private async IAsyncEnumerable<ReconItem> ReadGraphTargetAsync(string mailbox, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var user = "/users/" + Uri.EscapeDataString(mailbox);
        var wellKnown = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "inbox", "sentitems", "drafts", "deleteditems", "junkemail", "archive" })
        {
            if (await graph!.GetAsync(mailbox, $"{user}/mailFolders/{name}?$select=id", cancellationToken) is { } folder)
            {
                wellKnown[folder.GetProperty("id").GetString()!] = name;
            }
        }

        const string FolderQuery = "?$select=id,displayName,childFolderCount,totalItemCount&$top=250";
        var pending = new Queue<(string Path, string Parent)>();
        pending.Enqueue((string.Empty, $"{user}/mailFolders{FolderQuery}"));
        var expand = GraphReader.Expand(GraphMessageBuilder.SourceKeyProperty, GraphMessageBuilder.Sha256Property, GraphMessageBuilder.KeywordsProperty);
        while (pending.TryDequeue(out var level))
        {
            await foreach (var folder in graph!.ListAsync(mailbox, level.Parent, cancellationToken))
            {
                var id = folder.GetProperty("id").GetString()!;
                var name = folder.GetProperty("displayName").GetString() ?? string.Empty;
                var container = wellKnown.TryGetValue(id, out var known) ? known : level.Path.Length == 0 ? name : $"{level.Path}/{name}";
                if (folder.TryGetProperty("childFolderCount", out var children) && children.GetInt32() > 0)
                {
                    pending.Enqueue((container, $"{user}/mailFolders/{Uri.EscapeDataString(id)}/childFolders{FolderQuery}"));
                }

                if (folder.TryGetProperty("totalItemCount", out var total) && total.GetInt32() == 0)
                {
                    continue;
                }

                var messages = $"{user}/mailFolders/{Uri.EscapeDataString(id)}/messages?$select=id,receivedDateTime,isRead,flag&{expand}&$top=1000";
                await foreach (var m in graph.ListAsync(mailbox, messages, cancellationToken))
                {
                    var messageId = m.GetProperty("id").GetString()!;
                    var sourceKey = GraphReader.Extended(m, GraphMessageBuilder.SourceKeyProperty);
                    var keywords = GraphReader.Extended(m, GraphMessageBuilder.KeywordsProperty)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
                    var flagged = m.TryGetProperty("flag", out var flag) && flag.TryGetProperty("flagStatus", out var status) && status.GetString() == "flagged";
                    yield return new ReconItem(container, sourceKey ?? GraphMailLoader.TargetKey(messageId))
                    {
                        Location = GraphMailLoader.TargetKey(messageId),
                        Date = m.TryGetProperty("receivedDateTime", out var received) && received.ValueKind == JsonValueKind.String ? received.GetDateTimeOffset() : null,
                        Flags = GraphFlags(m.TryGetProperty("isRead", out var read) && read.GetBoolean(), flagged, keywords),
                        Hash = deep ? GraphReader.Extended(m, GraphMessageBuilder.Sha256Property) : null,
                        TargetKey = GraphMailLoader.TargetKey(messageId),
                        Ours = sourceKey is not null,
                    };
                }
            }
        }
    }
}
