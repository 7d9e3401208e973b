using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;

namespace Dxmig.Transformers.Mail;

/// <summary>
/// Decides where a message goes and with which flags and date; never touches its bytes. The target mailbox comes
/// from the identity map (an account missing from it fails that account), the folder from the role (SPECIAL-USE first,
/// then Active! Mail's Japanese names) or the path with the map's renames; a character the target refuses in a
/// folder name is replaced and the change noted. Shared by the IMAP and Graph loaders.
/// </summary>
public sealed class MailTransformer(FolderMap folders, IdentityMap? identities, MailTransformerOptions options) : ITransformer<SourceMessage, TargetMessage>
{
    /// <exception cref="AccountFailedException">The account is not in the identity map.</exception>
    public TransformResult<TargetMessage> Transform(SourceItem<SourceMessage> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var message = item.Payload ?? throw new ArgumentException("an item without payload cannot be transformed", nameof(item));
        var target = identities?.TargetOf(item.Key.Account) ?? item.Key.Account;

        if (message.Change == MailChange.New && options.MaxTargetMessageSize is { } max && message.Size > max)
        {
            return TransformResult<TargetMessage>.Quarantine(
                "too-large-for-target",
                $"{message.Size:N0} バイトで移行先の上限 {max:N0} バイトを超えます",
                $"{message.Size:N0} bytes is over the target's limit of {max:N0} bytes");
        }

        var (path, role, note) = Route(message);
        byte[]? header = null;
        if (options.Repair8BitHeaders && message.EightBitHeader is { } raw && HeaderRepair.Repair(raw) is { } repaired)
        {
            header = repaired.Header;
            var repairNote = $"repaired-8bit-headers: {string.Join(", ", repaired.Fields)}";
            note = note is null ? repairNote : $"{note}; {repairNote}";
        }

        return TransformResult<TargetMessage>.Load(new TargetMessage
        {
            TargetAccount = target,
            FolderPath = path,
            Role = role,
            Flags = message.Flags,
            Keywords = message.Keywords,
            InternalDate = message.InternalDate,
            MessageId = message.MessageId,
            BodySha256 = message.BodySha256,
            Size = message.Size,
            Change = message.Change,
            MovedFrom = message.MovedFrom,
            Content = message.Content,
            FolderNote = note,
            HeaderOverride = header,
            BodyOffset = header is null ? 0 : message.EightBitHeader!.Length,
        });
    }

    /// <summary>The target folder path, its role, and what was changed in its name.</summary>
    public (IReadOnlyList<string> Path, MailFolderRole Role, string? Note) Route(SourceMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var role = message.Role != MailFolderRole.None ? message.Role : RoleByName(message.FolderPath);
        if (role != MailFolderRole.None && folders.Targets.TryGetValue(role, out var roleFolder))
        {
            return ([roleFolder], role, null);
        }

        var notes = new List<string>();
        var segments = message.FolderPath.Select(s => Clean(s, notes)).ToList();
        var joined = string.Join('/', segments);
        foreach (var (match, replace) in folders.Renames)
        {
            if (match.IsMatch(joined))
            {
                var renamed = match.Replace(joined, replace);
                notes.Add($"rename '{joined}' → '{renamed}'");
                joined = renamed;
                break;
            }
        }

        var path = joined.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (options.RenameReserved && path.Length > 0 && folders.ReservedNames.Contains(path[0], StringComparer.OrdinalIgnoreCase))
        {
            var renamed = path[0] + (folders.Replacement.Length > 0 ? folders.Replacement : "_");
            notes.Add($"rule:target-reserved-name '{path[0]}' → '{renamed}'");
            path[0] = renamed;
        }

        return (path, MailFolderRole.None, notes.Count == 0 ? null : string.Join("; ", notes));
    }

    private MailFolderRole RoleByName(IReadOnlyList<string> path)
    {
        var name = path.Count == 2 && path[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? path[1]
            : path.Count == 1 ? path[0]
            : null;
        return name is not null && folders.Roles.TryGetValue(name, out var role) ? role : MailFolderRole.None;
    }

    private string Clean(string segment, List<string> notes)
    {
        var cleaned = segment.Trim();
        foreach (var c in folders.RefusedCharacters.Append('/'))
        {
            cleaned = cleaned.Replace(c.ToString(), folders.Replacement, StringComparison.Ordinal);
        }

        if (cleaned.Length == 0)
        {
            cleaned = folders.Replacement.Length > 0 ? folders.Replacement : "_";
        }

        if (cleaned != segment)
        {
            notes.Add($"rule:refused-characters '{segment}' → '{cleaned}'");
        }

        return cleaned;
    }
}
